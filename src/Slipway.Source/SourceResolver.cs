using System.Security.Cryptography;
using System.Text;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Foundation.Redaction;
using Slipway.Configuration;

namespace Slipway.Source;

/// <summary>
/// Turns a manifest's <c>source:</c> into a <see cref="SourceSnapshot"/>. A local path without a ref is used
/// as it is (the developer's working tree); anything else is cloned or fetched into a cache and checked out
/// at the ref.
/// </summary>
public sealed class SourceResolver(Git git, string cacheRoot)
{
    public async Task<SourceSnapshot> ResolveAsync(string app, SourceSpec source, CancellationToken ct)
    {
        if (source.IsLocalPath && !Directory.Exists(source.Location))
            throw new SlipwayException(ErrorCode.SourceNotFound, $"source.path: no folder at {source.Location}",
                "the path is relative to the manifest");
        return source.IsLocalPath && source.Ref is null
            ? await FromWorkingTreeAsync(source, ct)
            : await FromCacheAsync(app, source, ct);
    }

    private async Task<SourceSnapshot> FromWorkingTreeAsync(SourceSpec source, CancellationToken ct)
    {
        // git resolves pathspecs against the working directory, so running in source.path keeps
        // the subdirectory relative to it even when source.path is itself inside the repository.
        var root = source.Location;
        string pathspec;
        try
        {
            pathspec = PathSpec(source, root);
        }
        catch (SlipwayException)
        {
            await EnsureRepositoryAsync(source, ct); // not being a repository is the first thing to say
            throw;
        }

        // The version's commit and the tree's changes are independent questions: asked at once (a no-op up waits on both).
        var status = git.RunAsync(root, ["status", "--porcelain", "--untracked-files=all", "--", pathspec], ct);
        var log = LastCommitLogAsync(root, "HEAD", pathspec, ct);
        await Task.WhenAll(status, log);
        if (!log.Result.Ok) await EnsureRepositoryAsync(source, ct);
        var (commit, version) = LastCommit(log.Result, pathspec);
        var dirty = status.Result.Ok && status.Result.Output.Length > 0;
        if (dirty)
            version += "-dirty-" + await DirtyHashAsync(root, pathspec, ct);
        return new SourceSnapshot(version, commit, ContextDirectory(root, source), dirty);
    }

    private async Task EnsureRepositoryAsync(SourceSpec source, CancellationToken ct)
    {
        if (!(await git.RunAsync(source.Location, ["rev-parse", "--show-toplevel"], ct)).Ok)
            throw new SlipwayException(ErrorCode.SourceNotFound, $"source.path: {source.Location} is not a git repository",
                "run 'git init && git add -A && git commit -m init' there, or point source.path at a repository");
    }

    private async Task<SourceSnapshot> FromCacheAsync(string app, SourceSpec source, CancellationToken ct)
    {
        var cache = Path.Combine(cacheRoot, $"{app}-{Hash(source.Location)[..8]}");
        var cloned = !Directory.Exists(Path.Combine(cache, ".git"));
        if (cloned)
        {
            Directory.CreateDirectory(cacheRoot);
            var partial = cache + ".partial";
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            // "--" ends the options: a URL such as --upload-pack=... is a URL, never an option.
            var clone = await git.RunAsync(cacheRoot, ["clone", "--quiet", "--no-checkout", "--no-hardlinks", "--", source.Location, partial], ct);
            if (!clone.Ok)
            {
                if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
                throw new SlipwayException(ErrorCode.SourceUnreachable, $"cannot clone {Redactor.WithoutCredentials(source.Location)}: {clone.LastErrorLine}",
                    "check the URL and your git credentials (git clone must work without a prompt)");
            }
            // The cache keeps no credential: the manifest gives the URL again on every run.
            await git.RunAsync(partial, ["remote", "set-url", "origin", Redactor.WithoutCredentials(source.Location)], ct);
            Directory.Move(partial, cache); // a clone interrupted half-way never looks complete
        }
        else
        {
            var fetch = await git.RunAsync(cache,
                ["fetch", "--quiet", "--prune", "--tags", "--force", "--", source.Location, "+refs/heads/*:refs/remotes/origin/*"], ct);
            if (!fetch.Ok)
                throw new SlipwayException(ErrorCode.SourceUnreachable, $"cannot fetch {Redactor.WithoutCredentials(source.Location)}: {fetch.LastErrorLine}",
                    "check the URL and your network; the cached copy was left as it was");
        }

        string target;
        try
        {
            target = await ResolveRefAsync(cache, source.Ref, ct);
        }
        catch (SlipwayException) when (cloned)
        {
            Directory.Delete(cache, recursive: true); // a bad ref in a first run leaves nothing behind
            throw;
        }
        var checkout = await git.RunAsync(cache, ["checkout", "--quiet", "--force", "--detach", target], ct);
        if (!checkout.Ok)
            throw new SlipwayException(ErrorCode.SourceUnreachable, $"cannot check out {target}: {checkout.LastErrorLine}",
                $"the cached clone may be damaged: delete {cache} and run again");
        await git.RunAsync(cache, ["clean", "-ffdxq"], ct);

        var pathspec = PathSpec(source, cache);
        var (commit, version) = LastCommit(await LastCommitLogAsync(cache, target, pathspec, ct), pathspec);
        return new SourceSnapshot(version, commit, ContextDirectory(cache, source), IsDirty: false);
    }

    private async Task<string> ResolveRefAsync(string repo, string? reference, CancellationToken ct)
    {
        string[] candidates = reference is null
            ? ["refs/remotes/origin/HEAD"]
            : [$"refs/remotes/origin/{reference}", $"refs/tags/{reference}", reference];
        foreach (var candidate in candidates)
        {
            var parsed = await git.RunAsync(repo, ["rev-parse", "--verify", "--quiet", candidate + "^{commit}"], ct);
            if (parsed.Ok) return parsed.Output.Trim();
        }
        throw reference is null
            ? new SlipwayException(ErrorCode.UnknownGitRef, "source: the repository has no default branch", "set source.ref")
            : new SlipwayException(ErrorCode.UnknownGitRef, $"source.ref: \"{reference}\" is not a branch, tag or commit of the repository",
                "list them with: git ls-remote <repo>");
    }

    /// <summary>
    /// The commit a version names, and its short SHA (the version), from one git process. Without a subdirectory the whole
    /// repository is the app, so it is the commit checked out. With one, it is the last commit on the checked-out commit's
    /// first-parent chain that changed it: a merge counts as the change it brings (never the merged branch's own commit), and
    /// a commit elsewhere in the repository is not a new version. The short SHA is git's: at least 7 digits, more where 7
    /// would be ambiguous in the repository.
    /// </summary>
    private Task<GitResult> LastCommitLogAsync(string repo, string revision, string pathspec, CancellationToken ct) =>
        // rev-list is plumbing: no user configuration changes what it prints (its "commit <sha>" header line comes first).
        git.RunAsync(repo, pathspec == "."
            ? ["rev-list", "-1", "--format=%H %h", "--abbrev=7", revision + "^{commit}", "--"]
            : ["rev-list", "-1", "--first-parent", "--format=%H %h", "--abbrev=7", revision, "--", pathspec], ct);

    private static (string Commit, string ShortSha) LastCommit(GitResult log, string pathspec)
    {
        var last = log.Ok ? log.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Split(' ') : null;
        if (last is not [var commit, var shortSha] || commit.StartsWith("commit", StringComparison.Ordinal))
            throw new SlipwayException(ErrorCode.SourceNotFound,
                pathspec == "." ? "source: the repository has no commits" : $"source.subdirectory: no commit touches \"{pathspec}\"",
                "commit the app first: git add -A && git commit");
        return (commit, shortSha);
    }

    private async Task<string> DirtyHashAsync(string root, string pathspec, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(await git.RunBinaryAsync(root, ["diff", "HEAD", "--binary", "--", pathspec], ct));
        var untracked = await git.RunAsync(root, ["ls-files", "--others", "--exclude-standard", "--", pathspec], ct);
        foreach (var file in untracked.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            var full = Path.Combine(root, file);
            if (File.Exists(full)) sha.AppendData(await File.ReadAllBytesAsync(full, ct));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..8];
    }

    private static string PathSpec(SourceSpec source, string root)
    {
        if (source.Subdirectory is null) return ".";
        var full = Path.Combine(root, source.Subdirectory);
        if (!Directory.Exists(full))
            throw new SlipwayException(ErrorCode.SourceNotFound, $"source.subdirectory: \"{source.Subdirectory}\" does not exist in the repository",
                "the subdirectory is relative to the repository's top (or source.path); check its spelling and that it is committed");
        // A committed link (web -> /root) must not turn the build context into a folder of the host.
        if (!RealPath.IsInside(full, root))
            throw new SlipwayException(ErrorCode.InvalidSetting,
                $"source.subdirectory: \"{source.Subdirectory}\" leads to {RealPath.Of(full)}, outside the repository (through a symbolic link)",
                "point source.subdirectory at a real folder of the repository");
        return source.Subdirectory;
    }

    private static string ContextDirectory(string root, SourceSpec source) =>
        source.Subdirectory is null ? root : Path.Combine(root, source.Subdirectory);

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
