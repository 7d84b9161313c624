using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Source;
using Slipway.Tests.Support;

namespace Slipway.Tests.Source;

/// <summary>Against real git repositories made for each test.</summary>
[Trait("Tier", "engine")]
public sealed class SourceResolverTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly GitRepo _repo;
    private readonly SourceResolver _resolver;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public SourceResolverTests()
    {
        _repo = GitRepo.Init(Path.Combine(_dir.Path, "repo"));
        _resolver = new SourceResolver(new Git(), Path.Combine(_dir.Path, "cache"));
    }

    private SourceSpec Local(string? subdirectory = null, string? reference = null) =>
        new() { Location = _repo.Path, IsLocalPath = true, Subdirectory = subdirectory, Ref = reference };

    [Fact]
    public async Task Version_is_the_short_sha_of_the_last_commit_touching_the_subdirectory()
    {
        _repo.Write("app/main.py", "v1").Write("docs/readme", "a");
        var appCommit = _repo.Commit("app");
        _repo.Write("docs/readme", "b");
        var docsCommit = _repo.Commit("docs only");

        var app = await _resolver.ResolveAsync("shop", Local("app"), Ct);
        var whole = await _resolver.ResolveAsync("shop", Local(), Ct);

        Assert.Equal(appCommit, app.Version);
        Assert.Equal(docsCommit, whole.Version);
        Assert.Equal(Path.Combine(_repo.Path, "app"), app.ContextDirectory);
        Assert.False(app.IsDirty);
    }

    private string Short(string revision) => _repo.Run("rev-parse", "--short=7", revision).Trim();

    /// <summary>A feature branch with one commit to the app, merged back into main with a merge commit.</summary>
    private string MergeFeature(bool fastForwardable)
    {
        _repo.Write("app/main.py", "v1").Write("docs/readme", "a");
        _repo.Commit("first");
        _repo.Run("checkout", "-q", "-b", "feature");
        _repo.Write("app/main.py", "v2");
        _repo.Commit("feature: app change");
        _repo.Run("checkout", "-q", "main");
        if (!fastForwardable)
        {
            _repo.Write("docs/readme", "b");
            _repo.Commit("docs on main meanwhile");
        }
        _repo.Run("merge", "-q", "--no-ff", "-m", "merge feature", "feature");
        return Short("HEAD");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_merge_commit_at_head_is_the_version_not_the_merged_branchs_commit(bool fastForwardable)
    {
        var merge = MergeFeature(fastForwardable);

        var whole = await _resolver.ResolveAsync("shop", Local(), Ct);
        var app = await _resolver.ResolveAsync("shop", Local("app"), Ct);
        var cloned = await _resolver.ResolveAsync("shop", Local(reference: "main"), Ct);

        Assert.Equal(merge, whole.Version);   // git rev-parse --short HEAD, as the original script
        Assert.Equal(merge, app.Version);     // the merge brought the app's change onto main's first-parent chain
        Assert.Equal(merge, cloned.Version);  // the same through the clone cache
        Assert.NotEqual(Short("feature"), app.Version);
    }

    [Fact]
    public async Task A_merge_that_does_not_touch_the_subdirectory_is_not_a_new_version_of_it()
    {
        _repo.Write("app/main.py", "v1").Write("docs/readme", "a");
        var appCommit = _repo.Commit("first");
        _repo.Run("checkout", "-q", "-b", "docs");
        _repo.Write("docs/readme", "b");
        _repo.Commit("docs change");
        _repo.Run("checkout", "-q", "main");
        _repo.Run("merge", "-q", "--no-ff", "-m", "merge docs", "docs");

        Assert.Equal(appCommit, (await _resolver.ResolveAsync("shop", Local("app"), Ct)).Version);
        Assert.Equal(Short("HEAD"), (await _resolver.ResolveAsync("shop", Local(), Ct)).Version);
    }

    [Fact]
    public async Task A_dirty_local_tree_gets_a_distinct_version_that_follows_its_content()
    {
        _repo.Write("app/main.py", "v1");
        var commit = _repo.Commit("app");

        _repo.Write("app/main.py", "v2");
        var first = await _resolver.ResolveAsync("shop", Local("app"), Ct);
        _repo.Write("app/new.py", "untracked");
        var second = await _resolver.ResolveAsync("shop", Local("app"), Ct);
        var again = await _resolver.ResolveAsync("shop", Local("app"), Ct);

        Assert.True(first.IsDirty);
        Assert.StartsWith(commit + "-dirty-", first.Version);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal(second.Version, again.Version);
    }

    [Fact]
    public async Task A_ref_is_checked_out_in_the_cache_from_a_branch_a_tag_or_a_sha()
    {
        _repo.Write("app/main.py", "v1");
        var v1 = _repo.Commit("v1");
        _repo.Run("tag", "release-1");
        _repo.Write("app/main.py", "v2");
        var v2 = _repo.Commit("v2");

        var tag = await _resolver.ResolveAsync("shop", Local("app", "release-1"), Ct);
        Assert.Equal(v1, tag.Version);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(tag.ContextDirectory, "main.py")));

        var branch = await _resolver.ResolveAsync("shop", Local("app", "main"), Ct);
        Assert.Equal(v2, branch.Version);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(branch.ContextDirectory, "main.py")));

        var sha = await _resolver.ResolveAsync("shop", Local("app", v1), Ct);
        Assert.Equal(v1, sha.Version);
        Assert.DoesNotContain(_repo.Path, sha.ContextDirectory);
    }

    [Fact]
    public async Task A_git_url_is_cloned_then_fetched_to_follow_new_commits()
    {
        _repo.Write("main.py", "v1");
        _repo.Commit("v1");
        var url = new SourceSpec { Location = "file://" + _repo.Path, IsLocalPath = false };

        var first = await _resolver.ResolveAsync("shop", url, Ct);
        _repo.Write("main.py", "v2");
        var v2 = _repo.Commit("v2");
        var second = await _resolver.ResolveAsync("shop", url, Ct);

        Assert.Equal(v2, second.Version);
        Assert.NotEqual(first.Version, second.Version);
        Assert.Equal("v2", File.ReadAllText(Path.Combine(second.ContextDirectory, "main.py")));
    }

    [Fact]
    public async Task An_unknown_ref_is_a_clear_input_error()
    {
        _repo.Write("main.py", "v1");
        _repo.Commit("v1");

        var error = await Assert.ThrowsAsync<SlipwayException>(() => _resolver.ResolveAsync("shop", Local(reference: "no-such-branch"), Ct));

        Assert.Equal(ErrorCode.UnknownGitRef, error.Code);
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("no-such-branch", error.Message);
    }

    [Fact]
    public async Task An_unreachable_repository_fails_without_leaving_a_partial_clone()
    {
        var spec = new SourceSpec { Location = "file://" + Path.Combine(_dir.Path, "missing-repo"), IsLocalPath = false };

        var error = await Assert.ThrowsAsync<SlipwayException>(() => _resolver.ResolveAsync("shop", spec, Ct));

        Assert.Equal(ErrorCode.SourceUnreachable, error.Code);
        var cache = Path.Combine(_dir.Path, "cache");
        Assert.True(!Directory.Exists(cache) || Directory.GetDirectories(cache).All(d => !Directory.Exists(Path.Combine(d, ".git"))));
    }

    [Fact]
    public async Task A_folder_that_is_not_a_repository_or_a_missing_subdirectory_is_named()
    {
        var plain = Path.Combine(_dir.Path, "plain");
        Directory.CreateDirectory(plain);
        var notRepo = await Assert.ThrowsAsync<SlipwayException>(() =>
            _resolver.ResolveAsync("shop", new SourceSpec { Location = plain, IsLocalPath = true }, Ct));
        Assert.Contains("is not a git repository", notRepo.Message);

        _repo.Write("main.py", "v1");
        _repo.Commit("v1");
        var missing = await Assert.ThrowsAsync<SlipwayException>(() => _resolver.ResolveAsync("shop", Local("nowhere"), Ct));
        Assert.Equal(ErrorCode.SourceNotFound, missing.Code);
        Assert.Contains("nowhere", missing.Message);
    }

    public void Dispose() => _dir.Dispose();
}
