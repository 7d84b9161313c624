using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Slipway.Foundation;
using YamlDotNet.RepresentationModel;

namespace Slipway.Cli.Copilot;

/// <summary>What could not be carried over from a Copilot manifest: where, which key, and why.</summary>
public sealed record Unmapped(string File, long Line, string Key, string Reason)
{
    public override string ToString() => $"{File}:{Line}: {Key}: {Reason}";
}

/// <summary>A slipway.yaml made from a Copilot manifest, and what it leaves out.</summary>
public sealed record ImportResult(string Manifest, IReadOnlyList<Unmapped> Unmapped);

/// <summary>
/// Maps an AWS Copilot "Load Balanced Web Service" manifest to a slipway.yaml for the aws platform: the image's
/// build and port, the health check, the count and its autoscaling, variables, secrets from SSM, the alias, the
/// network placement, and per-environment overrides of those. Anything else is listed by file and line, never dropped silently.
/// </summary>
public static partial class CopilotImport
{
    /// <param name="displayPath">How the manifest's file is named in the list of what was not mapped.</param>
    /// <param name="hostedZoneId">The Route 53 zone of <c>http.alias</c>, which Copilot takes from its environment and a manifest does not hold.</param>
    public static ImportResult Map(string yaml, string displayPath, string? hostedZoneId)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new SlipwayException(ErrorCode.ManifestInvalid, $"{displayPath}:{e.Start.Line}: not valid YAML: {e.Message}", "fix the Copilot manifest, then import it again");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new SlipwayException(ErrorCode.ManifestInvalid, $"{displayPath}: is not a Copilot manifest (no mapping at its top)", "give a copilot/<service>/manifest.yml");
        var type = Scalar(root, "type");
        if (type != "Load Balanced Web Service")
            throw new SlipwayException(ErrorCode.ManifestInvalid,
                $"{displayPath}: type: \"{type ?? "(none)"}\" is not a Load Balanced Web Service", "only that kind of service maps to slipway: a web app behind a load balancer");

        var unmapped = new List<Unmapped>();
        var name = Scalar(root, "name") ?? throw new SlipwayException(ErrorCode.ManifestInvalid, $"{displayPath}: name: is required", "a Copilot manifest names its service");
        var text = new StringBuilder($"# Imported from {displayPath} by slipway import copilot. Deploy it with: slipway up -e aws\n");
        text.Append($"app: {Slipway.Configuration.AppNames.From(name)}\n");
        text.Append("source:\n  path: .                 # this repository: its HEAD commit is the version\n");

        var mapped = new Section(root, displayPath, unmapped);
        text.Append(Build(mapped));
        if (mapped.Map("image") is { } image && Scalar(image, "port") is { } port) text.Append($"port: {Plain(port)}\n");
        text.Append(Service(mapped, hostedZoneId, indent: ""));
        var environments = mapped.Map("environments");
        if (environments is not null)
        {
            text.Append("environments:\n");
            foreach (var (key, value) in environments.Children)
            {
                var environment = ((YamlScalarNode)key).Value!;
                text.Append($"  {Plain(environment)}:\n    platform: aws\n");
                if (value is YamlMappingNode overrides)
                    text.Append(Service(new Section(overrides, displayPath, unmapped, $"environments.{environment}."), hostedZoneId, indent: "    "));
            }
        }
        foreach (var (key, _) in mapped.Unread()) unmapped.Add(Why(displayPath, key, ""));
        return new ImportResult(text.ToString(), unmapped.OrderBy(u => u.Line).ToList());
    }

    /// <summary>The build: the Dockerfile (a path, or dockerfile/context/args), relative to the workspace as Copilot's are.</summary>
    private static string Build(Section root)
    {
        if (root.Map("image") is not { } imageNode) return "";
        var image = new Section(imageNode, root.File, root.Unmapped, "image.");
        image.Read("port");
        var text = new StringBuilder("build:\n");
        switch (image.Node("build"))
        {
            case YamlScalarNode dockerfile:
                text.Append($"  dockerfile: {Plain(dockerfile.Value)}\n");
                break;
            case YamlMappingNode build:
                var spec = new Section(build, root.File, root.Unmapped, "image.build.");
                text.Append($"  dockerfile: {Plain(spec.Scalar("dockerfile") ?? "Dockerfile")}\n");
                if (spec.Map("args") is { } args)
                {
                    text.Append("  args:\n");
                    foreach (var (key, value) in args.Children) text.Append($"    {Plain(((YamlScalarNode)key).Value)}: {Quote(((YamlScalarNode)value).Value)}\n");
                }
                if (spec.Scalar("context") is { } context && context.Trim('/', '.').Length > 0)
                    root.Unmapped.Add(new Unmapped(root.File, build.Start.Line, "image.build.context",
                        $"the build context is the source tree: set source.subdirectory: {context.TrimStart('.', '/')} if the app lives there"));
                spec.ReportUnread();
                break;
            default:
                text.Append("  dockerfile: Dockerfile\n");
                break;
        }
        image.ReportUnread();
        return text.ToString();
    }

    /// <summary>What a service and each environment may set: count, variables, secrets, health, cpu and memory, network, alias.</summary>
    private static string Service(Section section, string? hostedZoneId, string indent)
    {
        var text = new StringBuilder();
        var aws = new StringBuilder();
        switch (section.Node("count"))
        {
            case YamlScalarNode fixedCount when int.TryParse(fixedCount.Value, CultureInfo.InvariantCulture, out var replicas):
                text.Append($"{indent}replicas: {replicas}\n");
                break;
            case YamlMappingNode scaling:
                var count = new Section(scaling, section.File, section.Unmapped, section.Prefix + "count.");
                var (min, max) = Range(count);
                aws.Append($"{indent}  autoscaling:\n{indent}    min: {min}\n{indent}    max: {max}\n");
                if (count.Scalar("cpu_percentage") is { } cpu) aws.Append($"{indent}    targetCpu: {Plain(cpu)}\n");
                else if (count.Scalar("requests") is { } requests) aws.Append($"{indent}    requestsPerTarget: {Plain(requests)}\n");
                else aws.Append($"{indent}    targetCpu: 70            # Copilot's manifest set no target: 70 % CPU assumed\n");
                count.ReportUnread();
                break;
        }
        if (section.Map("variables") is { } variables)
        {
            text.Append($"{indent}env:\n");
            foreach (var (key, value) in variables.Children)
            {
                if (value is YamlScalarNode scalar) text.Append($"{indent}  {Plain(((YamlScalarNode)key).Value)}: {Quote(scalar.Value)}\n");
                else section.Unmapped.Add(new Unmapped(section.File, key.Start.Line, $"{section.Prefix}variables.{((YamlScalarNode)key).Value}",
                    "a value from another stack (from_cfn) has no slipway equivalent: set it by hand"));
            }
        }
        if (section.Map("secrets") is { } secrets)
        {
            var lines = new StringBuilder();
            foreach (var (key, value) in secrets.Children)
            {
                var variable = ((YamlScalarNode)key).Value;
                if (value is YamlScalarNode parameter) lines.Append($"{indent}  {Plain(variable)}:\n{indent}    fromSsm: {Plain(parameter.Value)}\n");
                else section.Unmapped.Add(new Unmapped(section.File, key.Start.Line, $"{section.Prefix}secrets.{variable}",
                    "only SSM parameters map (fromSsm:); a Secrets Manager secret or a from_cfn value does not: copy it to an SSM parameter"));
            }
            if (lines.Length > 0) text.Append($"{indent}secrets:\n").Append(lines);
        }
        if (section.Map("http") is { } httpNode)
        {
            var http = new Section(httpNode, section.File, section.Unmapped, section.Prefix + "http.");
            if (http.Scalar("path") is { } path && path.Trim('/').Length > 0)
                section.Unmapped.Add(new Unmapped(section.File, httpNode.Start.Line, $"{section.Prefix}http.path",
                    $"slipway's load balancer sends every path to the app, not only {path}"));
            switch (http.Node("healthcheck"))
            {
                case YamlScalarNode checkPath:
                    text.Append($"{indent}healthCheck:\n{indent}  path: {Plain(checkPath.Value)}\n");
                    break;
                case YamlMappingNode checkNode:
                    var check = new Section(checkNode, section.File, section.Unmapped, section.Prefix + "http.healthcheck.");
                    text.Append($"{indent}healthCheck:\n{indent}  path: {Plain(check.Scalar("path") ?? "/")}\n");
                    foreach (var (from, to) in new[] { ("healthy_threshold", "healthyThreshold"), ("unhealthy_threshold", "unhealthyThreshold"),
                                 ("interval", "interval"), ("timeout", "timeout"), ("grace_period", "startPeriod") })
                        if (check.Scalar(from) is { } value) text.Append($"{indent}  {to}: {Plain(value)}\n");
                    check.ReportUnread();
                    break;
            }
            var alias = http.Node("alias") switch
            {
                YamlScalarNode one => one.Value,
                YamlSequenceNode many => (many.Children.FirstOrDefault() as YamlScalarNode)?.Value,
                _ => null,
            };
            if (alias is not null && hostedZoneId is not null)
                aws.Append($"{indent}  dns:\n{indent}    hostedZoneId: {Plain(hostedZoneId)}\n{indent}    name: {Plain(alias)}\n");
            else if (alias is not null)
                section.Unmapped.Add(new Unmapped(section.File, httpNode.Start.Line, $"{section.Prefix}http.alias",
                    $"{alias} needs its Route 53 hosted zone, which Copilot took from its environment: import again with --hosted-zone ZONE_ID"));
            http.ReportUnread();
        }
        if (section.Scalar("cpu") is { } cpuUnits) aws.Append($"{indent}  cpu: {Plain(cpuUnits)}\n");
        if (section.Scalar("memory") is { } memory) aws.Append($"{indent}  memory: {Plain(memory)}\n");
        if (section.Scalar("platform") is { } platform)
        {
            if (platform.Contains("arm", StringComparison.OrdinalIgnoreCase)) aws.Append($"{indent}  architecture: arm64\n");
            else if (!platform.Contains("x86_64", StringComparison.Ordinal) && !platform.Contains("amd64", StringComparison.Ordinal))
                section.Unmapped.Add(new Unmapped(section.File, 1, $"{section.Prefix}platform", $"{platform}: only linux on x86_64 or arm64 runs on Fargate here"));
        }
        if (section.Map("network") is { } networkNode)
        {
            var network = new Section(networkNode, section.File, section.Unmapped, section.Prefix + "network.");
            if (network.Map("vpc") is { } vpcNode)
            {
                var vpc = new Section(vpcNode, section.File, section.Unmapped, section.Prefix + "network.vpc.");
                if (vpc.Scalar("placement") is "private") aws.Append($"{indent}  subnets: private\n");
                vpc.ReportUnread();
            }
            network.ReportUnread();
        }
        if (aws.Length > 0) text.Append($"{indent}aws:\n").Append(aws);
        if (indent.Length > 0) section.ReportUnread();
        return text.ToString();
    }

    private static (int Min, int Max) Range(Section count)
    {
        if (count.Node("range") is YamlScalarNode range && RangePattern().Match(range.Value ?? "") is { Success: true } m)
            return (Count(m.Groups[1].Value, count, "range"), Count(m.Groups[2].Value, count, "range"));
        if (count.Node("range") is YamlMappingNode bounds)
        {
            var section = new Section(bounds, count.File, count.Unmapped, count.Prefix + "range.");
            var result = (Count(section.Scalar("min") ?? "1", section, "min"), Count(section.Scalar("max") ?? "1", section, "max"));
            section.ReportUnread();
            return result;
        }
        return (1, 1);
    }

    /// <summary>A task count; one too large to be a count is refused with the key that holds it, as the loader would.</summary>
    private static int Count(string digits, Section section, string key) =>
        int.TryParse(digits, CultureInfo.InvariantCulture, out var value) ? value
            : throw new SlipwayException(ErrorCode.ManifestInvalid, $"{section.File}: {section.Prefix}{key}: {digits} is not a task count",
                "give a whole number of tasks in the Copilot manifest");

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>
    /// A value from the Copilot manifest as one YAML scalar: plain when it is a simple word, else double-quoted with every
    /// character that could end it or start a new line escaped, so no value can add a key (a hook) to the written manifest.
    /// </summary>
    private static string Plain(string? value) =>
        value is { Length: > 0 } && PlainWord().IsMatch(value) && !YamlWords.Contains(value) ? value : Quote(value);

    private static readonly HashSet<string> YamlWords = new(["true", "false", "yes", "no", "on", "off", "null", "y", "n"], StringComparer.OrdinalIgnoreCase);

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_./@+-]+$")]
    private static partial System.Text.RegularExpressions.Regex PlainWord();

    private static string Quote(string? value)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in value ?? "")
            quoted.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF' => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return quoted.Append('"').ToString();
    }

    private static Unmapped Why(string file, YamlNode key, string prefix)
    {
        var name = ((YamlScalarNode)key).Value ?? "";
        var reason = name switch
        {
            "logging" => "FireLens log routing has no slipway equivalent: logs go to CloudWatch Logs",
            "sidecars" => "sidecar containers are not supported",
            "storage" => "volumes (EFS, ephemeral size) are not supported",
            "taskdef_overrides" => "task definition overrides are not supported",
            "exec" => "ECS Exec is not enabled by slipway's template yet",
            "entrypoint" or "command" => "slipway runs the image's own ENTRYPOINT and CMD: set them in the Dockerfile",
            "observability" => "X-Ray tracing is not supported",
            "publish" => "SNS topics are not supported",
            "deployment" => "slipway always rolls out with the circuit breaker and a health-gated cut-over",
            "nlb" => "a Network Load Balancer is not supported",
            _ => "has no slipway equivalent",
        };
        return new Unmapped(file, key.Start.Line, prefix + name, reason);
    }

    /// <summary>A mapping being read: which keys were used, so that every other one is reported, with its line.</summary>
    private sealed class Section(YamlMappingNode node, string file, List<Unmapped> unmapped, string prefix = "")
    {
        private readonly HashSet<string> _read = ["name", "type"];

        public string File => file;
        public List<Unmapped> Unmapped => unmapped;
        public string Prefix => prefix;

        public YamlNode? Node(string key)
        {
            _read.Add(key);
            return node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
        }

        public void Read(string key) => _read.Add(key);
        public string? Scalar(string key) => Node(key) is YamlScalarNode scalar ? scalar.Value : null;
        public YamlMappingNode? Map(string key) => Node(key) as YamlMappingNode;

        public IEnumerable<(YamlNode Key, YamlNode Value)> Unread() =>
            node.Children.Where(c => !_read.Contains(((YamlScalarNode)c.Key).Value ?? "")).Select(c => (c.Key, c.Value));

        public void ReportUnread()
        {
            foreach (var (key, _) in Unread()) unmapped.Add(Why(file, key, prefix));
        }
    }

    [GeneratedRegex(@"^\s*(\d+)\s*-\s*(\d+)\s*$")]
    private static partial Regex RangePattern();

}
