using Slipway.Foundation.Files;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Slipway.Cli.Init;

/// <summary>The kinds of app <c>slipway init</c> knows how to containerise.</summary>
public enum StackKind { Dockerfile, Flask, Django, FastApi, Node, DotNet, Go, Unknown }

/// <summary>
/// What was found in a repository and why: the stack, how it is started, the port it listens on, its health path,
/// and the evidence, one line per finding, for the user to read.
/// </summary>
public sealed record DetectedStack(StackKind Kind, int Port, string HealthPath, IReadOnlyList<string> Evidence)
{
    /// <summary>How the app is started in its container (gunicorn/uvicorn target, npm script, assembly, binary).</summary>
    public string? Entry { get; init; }

    /// <summary>Python: the requirements file, or null for a pyproject; Node: whether a lock file exists.</summary>
    public string? DependencyFile { get; init; }
}

/// <summary>Looks at an app's files, never runs them: a Dockerfile first, then Python, Node, .NET and Go markers.</summary>
public static partial class StackDetector
{
    public static DetectedStack Detect(string root)
    {
        var dockerfile = Path.Combine(root, "Dockerfile");
        if (File.Exists(dockerfile)) return FromDockerfile(UserFile.ReadText(dockerfile, "init"));
        if (File.Exists(Path.Combine(root, "requirements.txt")) || File.Exists(Path.Combine(root, "pyproject.toml"))) return Python(root);
        if (File.Exists(Path.Combine(root, "package.json"))) return Node(root);
        if (Directory.EnumerateFiles(root, "*.csproj").FirstOrDefault() is { } project) return DotNet(project);
        if (File.Exists(Path.Combine(root, "go.mod"))) return Go(root);
        return new DetectedStack(StackKind.Unknown, 8000, "/",
            ["no Dockerfile, requirements.txt, pyproject.toml, package.json, *.csproj or go.mod at the top of the repository"]);
    }

    private static DetectedStack FromDockerfile(string text)
    {
        var evidence = new List<string> { "a Dockerfile exists: it is used as it is" };
        var port = 8000;
        if (ExposeLine().Match(text) is { Success: true } expose)
        {
            if (int.TryParse(expose.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var exposed) && exposed is >= 1 and <= 65535)
            {
                port = exposed;
                evidence.Add($"EXPOSE {port}: the port");
            }
            else evidence.Add($"EXPOSE {expose.Groups[1].Value} is not a port: 8000 assumed (set port: in slipway.yaml)");
        }
        else evidence.Add("no EXPOSE: port 8000 assumed (set port: in slipway.yaml if it differs)");
        var health = "/";
        if (HealthcheckUrl().Match(text) is { Success: true } check)
        {
            if (HealthPath().IsMatch(check.Groups[1].Value))
            {
                health = check.Groups[1].Value;
                evidence.Add($"HEALTHCHECK requests {health}: the health path");
            }
            else evidence.Add("HEALTHCHECK requests a path that is not a plain absolute path: / assumed");
        }
        return new DetectedStack(StackKind.Dockerfile, port, health, evidence);
    }

    private static DetectedStack Python(string root)
    {
        var requirements = Path.Combine(root, "requirements.txt");
        var dependencyFile = File.Exists(requirements) ? "requirements.txt" : null;
        var declared = (dependencyFile is null ? UserFile.ReadText(Path.Combine(root, "pyproject.toml"), "init") : UserFile.ReadText(requirements, "init")).ToLowerInvariant();
        var evidence = new List<string> { $"Python: {dependencyFile ?? "pyproject.toml"}" };
        // Only files whose module path is made of Python names: a file's name goes into the Dockerfile's CMD.
        var sources = Directory.EnumerateFiles(root, "*.py", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}.", StringComparison.Ordinal) && ModulePath().IsMatch(Module(root, f)))
            .OrderBy(f => f.Count(c => c == Path.DirectorySeparatorChar)).ThenBy(f => f, StringComparer.Ordinal).ToList();

        if (Declares(declared, "django") && sources.FirstOrDefault(f => Path.GetFileName(f) == "wsgi.py") is { } wsgi)
        {
            var module = Module(root, wsgi);
            evidence.Add($"Django: declared, and {Path.GetRelativePath(root, wsgi)} is its WSGI entry: gunicorn {module}:application");
            return new DetectedStack(StackKind.Django, 8000, "/", evidence) { Entry = $"{module}:application", DependencyFile = dependencyFile };
        }
        if (Declares(declared, "fastapi") && Find(sources, FastApiApp()) is { } fastApi)
        {
            var entry = $"{Module(root, fastApi.File)}:{fastApi.Variable}";
            evidence.Add($"FastAPI: declared, and {Path.GetRelativePath(root, fastApi.File)} creates {fastApi.Variable} = FastAPI(): uvicorn {entry}");
            return new DetectedStack(StackKind.FastApi, 8000, "/", evidence) { Entry = entry, DependencyFile = dependencyFile };
        }
        if (Declares(declared, "flask") && Find(sources, FlaskApp()) is { } flask)
        {
            var entry = $"{Module(root, flask.File)}:{flask.Variable}";
            evidence.Add($"Flask: declared, and {Path.GetRelativePath(root, flask.File)} creates {flask.Variable} = Flask(...): gunicorn {entry}");
            return new DetectedStack(StackKind.Flask, 8000, "/", evidence) { Entry = entry, DependencyFile = dependencyFile };
        }
        evidence.Add("but no Flask, Django or FastAPI application was found in its .py files");
        return new DetectedStack(StackKind.Unknown, 8000, "/", evidence);
    }

    private static bool Declares(string dependencies, string package) =>
        Regex.IsMatch(dependencies, $@"(^|[\s""'\[,]){package}([\s<>=~!\[;,""']|$)", RegexOptions.Multiline);

    private static (string File, string Variable)? Find(IEnumerable<string> sources, Regex pattern)
    {
        foreach (var file in sources)
            if (pattern.Match(UserFile.ReadText(file, "init")) is { Success: true } match) return (file, match.Groups[1].Value);
        return null;
    }

    /// <summary>The dotted module of a Python file, from the repository's root.</summary>
    private static string Module(string root, string file) =>
        Path.ChangeExtension(Path.GetRelativePath(root, file), null).Replace(Path.DirectorySeparatorChar, '.');

    private static DetectedStack Node(string root)
    {
        using var package = JsonDocument.Parse(UserFile.ReadText(Path.Combine(root, "package.json"), "init"));
        var evidence = new List<string> { "Node: package.json" };
        if (!package.RootElement.TryGetProperty("scripts", out var scripts) || !scripts.TryGetProperty("start", out var start))
        {
            evidence.Add("but it has no start script (scripts.start) to run the app with");
            return new DetectedStack(StackKind.Unknown, 3000, "/", evidence);
        }
        evidence.Add($"scripts.start is \"{start.GetString()}\": npm start, with PORT=3000");
        var lockFile = File.Exists(Path.Combine(root, "package-lock.json")) ? "package-lock.json" : null;
        return new DetectedStack(StackKind.Node, 3000, "/", evidence) { Entry = start.GetString(), DependencyFile = lockFile };
    }

    private static DetectedStack DotNet(string project)
    {
        var text = UserFile.ReadText(project, "init");
        var assembly = AssemblyName().Match(text) is { Success: true } name ? name.Groups[1].Value : Path.GetFileNameWithoutExtension(project);
        if (!FileName().IsMatch(assembly))
            return new DetectedStack(StackKind.Unknown, 8080, "/", [$".NET: {Path.GetFileName(project)}, but its assembly name is not a plain file name"]);
        return new DetectedStack(StackKind.DotNet, 8080, "/",
            [$".NET: {Path.GetFileName(project)}: dotnet publish in a build stage, {assembly}.dll run by the ASP.NET runtime on its default port 8080"])
        { Entry = assembly, DependencyFile = Path.GetFileName(project) };
    }

    private static DetectedStack Go(string root) => new(StackKind.Go, 8080, "/",
        ["Go: go.mod: go build in a build stage, the static binary run alone, PORT=8080"]);

    [GeneratedRegex(@"^\s*EXPOSE\s+(\d+)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ExposeLine();

    [GeneratedRegex(@"^\s*HEALTHCHECK\b.*?https?://[^/\s""']+(/[^\s""'|;]*)", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex HealthcheckUrl();

    /// <summary>A path a health check may request: absolute, not protocol-relative, of URL path characters only.</summary>
    [GeneratedRegex(@"^/(?!/)[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$")]
    private static partial Regex HealthPath();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex ModulePath();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^(\w+)\s*=\s*Flask\(", RegexOptions.Multiline)]
    private static partial Regex FlaskApp();

    [GeneratedRegex(@"^(\w+)\s*=\s*FastAPI\(", RegexOptions.Multiline)]
    private static partial Regex FastApiApp();

    [GeneratedRegex(@"<AssemblyName>\s*([^<\s]+)\s*</AssemblyName>")]
    private static partial Regex AssemblyName();
}
