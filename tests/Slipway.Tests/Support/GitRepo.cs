using System.Diagnostics;

namespace Slipway.Tests.Support;

/// <summary>A real git repository on disk, driven with the git CLI.</summary>
public sealed class GitRepo(string path)
{
    public string Path { get; } = path;

    public static GitRepo Init(string path)
    {
        Directory.CreateDirectory(path);
        var repo = new GitRepo(path);
        repo.Run("init", "-q", "-b", "main");
        repo.Run("config", "user.email", "test@slipway.invalid");
        repo.Run("config", "user.name", "Slipway Tests");
        repo.Run("config", "commit.gpgsign", "false");
        return repo;
    }

    public GitRepo Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return this;
    }

    public string Commit(string message)
    {
        Run("add", "-A");
        Run("commit", "-q", "-m", message);
        return Run("rev-parse", "--short=7", "HEAD").Trim();
    }

    public string Run(params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {error}");
        return output;
    }
}
