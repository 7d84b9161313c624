using System.Text;

namespace Slipway.Cli.Init;

/// <summary>What <c>slipway init</c> was asked for beyond the repository itself.</summary>
/// <param name="BaseImage">The image the app runs on, instead of the stack's usual public one.</param>
/// <param name="NoInstall">Leave out the dependency install step, for a base image that already holds the dependencies.</param>
public sealed record InitOptions(string? BaseImage = null, bool NoInstall = false, int EdgePort = 8080);

/// <summary>The files <c>slipway init</c> writes for a detected stack: a Dockerfile (unless one exists) and slipway.yaml.</summary>
public static class Scaffold
{
    public static string DefaultBaseImage(StackKind kind) => kind switch
    {
        StackKind.Flask or StackKind.Django or StackKind.FastApi => "python:3.12-slim",
        StackKind.Node => "node:22-slim",
        StackKind.DotNet => "mcr.microsoft.com/dotnet/aspnet:10.0",
        StackKind.Go => "gcr.io/distroless/static-debian12",
        _ => "",
    };

    /// <summary>A valid app name from the repository's folder.</summary>
    public static string AppName(string root) =>
        Configuration.AppNames.From(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))));

    public static string? Dockerfile(DetectedStack stack, InitOptions options)
    {
        var image = options.BaseImage ?? DefaultBaseImage(stack.Kind);
        var install = !options.NoInstall;
        var lines = new List<string> { "# Written by slipway init: edit freely, slipway builds whatever is here." };
        switch (stack.Kind)
        {
            case StackKind.Flask or StackKind.Django or StackKind.FastApi:
                var server = stack.Kind == StackKind.FastApi ? "uvicorn" : "gunicorn";
                lines.AddRange([$"FROM {image}", "WORKDIR /app"]);
                if (install && stack.DependencyFile is { } requirements)
                    lines.AddRange([$"COPY {requirements} .", $"RUN pip install --no-cache-dir -r {requirements} {server}"]);
                lines.Add("COPY . .");
                if (install && stack.DependencyFile is null) lines.Add($"RUN pip install --no-cache-dir . {server}");
                lines.AddRange([$"EXPOSE {stack.Port}", "USER nobody"]);
                lines.Add(stack.Kind == StackKind.FastApi
                    ? $"""CMD ["uvicorn", "--host", "0.0.0.0", "--port", "{stack.Port}", "{stack.Entry}"]"""
                    : $"""CMD ["gunicorn", "--bind", "0.0.0.0:{stack.Port}", "--workers", "2", "--graceful-timeout", "10", "--access-logfile", "-", "{stack.Entry}"]""");
                break;
            case StackKind.Node:
                lines.AddRange([$"FROM {image}", "WORKDIR /app"]);
                if (install) lines.AddRange(["COPY package*.json ./", stack.DependencyFile is null ? "RUN npm install --omit=dev" : "RUN npm ci --omit=dev"]);
                lines.AddRange(["COPY . .", $"ENV NODE_ENV=production PORT={stack.Port}", $"EXPOSE {stack.Port}", "USER node", """CMD ["npm", "start"]"""]);
                break;
            case StackKind.DotNet:
                lines.AddRange(["FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", "WORKDIR /src", "COPY . .",
                    $"RUN dotnet publish {stack.DependencyFile} -c Release -o /out", $"FROM {image}", "WORKDIR /app", "COPY --from=build /out .",
                    $"EXPOSE {stack.Port}", "USER app", $"""ENTRYPOINT ["dotnet", "{stack.Entry}.dll"]"""]);
                break;
            case StackKind.Go:
                lines.AddRange(["FROM golang:1.23 AS build", "WORKDIR /src", "COPY go.* ./"]);
                if (install) lines.Add("RUN go mod download");
                lines.AddRange(["COPY . .", "RUN CGO_ENABLED=0 go build -o /out/server .", $"FROM {image}", "COPY --from=build /out/server /server",
                    $"ENV PORT={stack.Port}", $"EXPOSE {stack.Port}", "USER nonroot:nonroot", """ENTRYPOINT ["/server"]"""]);
                break;
            default:
                return null; // an existing Dockerfile is used as it is; an unknown stack gets none
        }
        return string.Join('\n', lines) + "\n";
    }

    public static string Manifest(string app, DetectedStack stack, InitOptions options)
    {
        var text = new StringBuilder();
        if (stack.Kind == StackKind.Unknown)
        {
            text.Append("""
                # Written by slipway init, which could not tell how to run this app. Add a Dockerfile beside this file
                # (the build context is the repository), set the port it listens on, then run: slipway up

                """);
        }
        else
        {
            text.Append($"# Written by slipway init ({Describe(stack.Kind)}). slipway up deploys it; the README's manifest section explains every key.\n");
        }
        text.Append($"""
            app: {app}
            source:
              path: .                 # this repository: its HEAD commit is the version
            build:
              dockerfile: Dockerfile
            port: {stack.Port}{(stack.Kind == StackKind.Unknown ? "              # the port the app listens on in its container" : "")}
            replicas: 2
            healthCheck:
              path: {stack.HealthPath}{(stack.Kind == StackKind.Unknown ? "                 # a path that answers 200 once the app is ready" : "")}
            edge:
              port: {options.EdgePort}
            # env:
            #   KEY: value
            # secrets:
            #   API_TOKEN:
            #     fromEnv: API_TOKEN

            """);
        return text.ToString();
    }

    public static string Describe(StackKind kind) => kind switch
    {
        StackKind.Dockerfile => "its own Dockerfile",
        StackKind.Flask => "Python, Flask, served by gunicorn",
        StackKind.Django => "Python, Django, served by gunicorn",
        StackKind.FastApi => "Python, FastAPI, served by uvicorn",
        StackKind.Node => "Node, npm start",
        StackKind.DotNet => ".NET, dotnet publish",
        StackKind.Go => "Go, a static binary",
        _ => "an unknown stack",
    };

}
