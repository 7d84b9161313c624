using System.Formats.Tar;
using Slipway.Platforms.Images;
using Slipway.Foundation;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Images;

/// <summary>The build context archive: what goes in, with which modes, and what is refused.</summary>
[Trait("Tier", "unit")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BuildContextTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-context");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<Dictionary<string, TarEntry>> EntriesAsync(IReadOnlyDictionary<string, string>? secrets = null, List<string>? warnings = null)
    {
        var dockerfile = _dir.Write("Dockerfile", "FROM scratch\n");
        await using var archive = await BuildContext.CreateAsync(Path.Combine(_dir.Path, "app"), dockerfile,
            secrets ?? new Dictionary<string, string>(), w => warnings?.Add(w), Ct);
        var entries = new Dictionary<string, TarEntry>();
        await using var reader = new TarReader(archive);
        while (await reader.GetNextEntryAsync(copyData: false, Ct) is { } entry) entries[entry.Name] = entry;
        return entries;
    }

    [Fact]
    public async Task Files_get_the_modes_git_knows_whatever_the_umask_that_made_them()
    {
        File.SetUnixFileMode(_dir.Write("app/app.py", "print()"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(_dir.Write("app/run.sh", "#!/bin/sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var entries = await EntriesAsync();

        Assert.Equal("644", Convert.ToString((int)entries["app.py"].Mode, 8));
        Assert.Equal("755", Convert.ToString((int)entries["run.sh"].Mode, 8));
        Assert.Equal(0, entries["app.py"].Uid);
        Assert.True(entries.ContainsKey(BuildContext.DockerfileEntry));
    }

    [Fact]
    public async Task A_link_inside_the_context_stays_a_link_and_one_leading_out_is_refused()
    {
        _dir.Write("app/static/site.css", "body {}");
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "app", "style.css"), "static/site.css");
        Assert.Equal(TarEntryType.SymbolicLink, (await EntriesAsync())["style.css"].EntryType);

        File.CreateSymbolicLink(Path.Combine(_dir.Path, "app", "hosts"), "/etc/hosts");
        var error = await Assert.ThrowsAsync<SlipwayException>(() => EntriesAsync());
        Assert.Equal("build context: hosts is a link to /etc/hosts, outside the source tree", error.Message);
    }

    [Fact]
    public async Task Ignored_paths_and_secret_files_stay_out_with_a_warning_for_the_secret()
    {
        _dir.Write("app/app.py", "print()");
        _dir.Write("app/.dockerignore", "*.log\n");
        _dir.Write("app/debug.log", "noise");
        var token = _dir.Write("app/token.txt", "secret");
        var warnings = new List<string>();

        var entries = await EntriesAsync(new Dictionary<string, string> { ["API_TOKEN"] = token }, warnings);

        Assert.Equal([".dockerignore", BuildContext.DockerfileEntry, "app.py"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("secrets.API_TOKEN: token.txt is inside the build context; it was left out of the image (list it in .dockerignore to say so)",
            Assert.Single(warnings));
    }

    public void Dispose() => _dir.Dispose();
}
