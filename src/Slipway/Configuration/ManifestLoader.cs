using System.Text.RegularExpressions;
using Slipway.Common;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Slipway.Configuration;

/// <summary>
/// Loads <c>slipway.yaml</c> and validates it. Every error names the file, the line and the key
/// (e.g. <c>slipway.yaml:7: healthCheck.interval: "5x" is not a duration</c>), and unknown keys are errors,
/// so a typo never silently falls back to a default.
/// </summary>
public static partial class ManifestLoader
{
    public const string DefaultFileName = "slipway.yaml";

    [GeneratedRegex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
    private static partial Regex AppNamePattern();

    [GeneratedRegex("^[a-z][a-z0-9-]{0,19}$")]
    private static partial Regex ProcessNamePattern();

    [GeneratedRegex(@"^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9_.\-/]+|/?[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]{0,2047})$")]
    private static partial Regex SsmParameterPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();

    [GeneratedRegex("^([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})(:([a-z_][a-z0-9_-]{0,31}|[0-9]{1,10}))?$")]
    private static partial Regex UserPattern();

    /// <summary>DNS labels of letters, digits and inner hyphens, joined by single dots.</summary>
    [GeneratedRegex(@"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")]
    private static partial Regex HostPattern();

    public static AppManifest Load(string path) => Load(path, "local");

    /// <summary>Loads the manifest as seen by one environment: its overrides merged onto the top-level settings.</summary>
    public static AppManifest Load(string path, string environment)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new SlipwayException(ErrorCode.ManifestNotFound, $"no manifest at {fullPath}",
                Directory.Exists(fullPath) ? "pass the file, not the folder: -f <folder>/slipway.yaml"
                                           : "create one (see examples/hello-flask/slipway.yaml) or pass -f <path>");
        return Parse(File.ReadAllText(fullPath), fullPath, environment);
    }

    public static AppManifest Parse(string yaml, string manifestPath, string environment = "local")
    {
        var file = Path.GetFileName(manifestPath);
        YamlMappingNode root;
        try
        {
            YamlGuard.Check(yaml, file);
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                throw Invalid(file, 1, "", "the manifest must be a mapping of keys (app:, source:, ...)");
            root = mapping;
        }
        catch (YamlException e)
        {
            throw new SlipwayException(ErrorCode.ManifestInvalid,
                $"{file}:{e.Start.Line}: malformed YAML: {FirstLine(e.Message)}", "check indentation and quoting");
        }

        var manifest = Read(root, file, manifestPath, environment);
        // Every declared environment is checked, not only the one chosen: a typo in production fails today's staging deploy.
        if (root.Children.TryGetValue(new YamlScalarNode("environments"), out var declared) && declared is YamlMappingNode environments)
        {
            foreach (var name in environments.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").Where(n => n != environment))
                Read(root, file, manifestPath, name);
        }
        return manifest;
    }

    private static AppManifest Read(YamlMappingNode root, string file, string manifestPath, string environment)
    {
        var (merged, selected) = Environments.Select(root, environment, file);
        var reader = new MappingReader(merged, "", file);
        reader.MarkRead("environments");
        var manifestDir = Path.GetDirectoryName(manifestPath)!;

        var app = reader.RequiredString("app");
        // A declared environment is a deployment of its own (containers, route, stack): its name is part of the app's.
        if (!PlatformKinds.IsBuiltIn(selected.Name)) app = app with { Value = $"{app.Value}-{selected.Name}" };
        if (!AppNamePattern().IsMatch(app.Value))
            throw Invalid(file, app.Line, "app", $"\"{app.Value}\" is not a valid app name",
                "use 2-32 lowercase letters, digits and dashes, starting with a letter");

        var manifest = new AppManifest
        {
            App = app.Value,
            ManifestPath = manifestPath,
            Source = ReadSource(reader.RequiredMapping("source"), manifestDir),
            Build = ReadBuild(reader.OptionalMapping("build"), manifestDir, file),
            Port = reader.OptionalInt("port", 1, 65535) ?? 8000,
            Replicas = reader.OptionalInt("replicas", 1, 20) ?? 2,
            HealthCheck = ReadHealthCheck(reader.OptionalMapping("healthCheck")),
            Env = ReadEnv(reader.OptionalMapping("env")),
            Secrets = ReadSecrets(reader.OptionalMapping("secrets"), manifestDir),
            Drain = reader.OptionalDuration("drain", TimeSpan.Zero, TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(5),
            Resources = ReadResources(reader.OptionalMapping("resources")),
            Edge = ReadEdge(reader.OptionalMapping("edge")),
            Check = ReadCheck(reader.OptionalMapping("check")),
            Aws = ReadAws(reader.OptionalMapping("aws")),
            Hooks = ReadHooks(reader.OptionalMapping("hooks")),
            Notify = ReadNotify(reader.OptionalMapping("notify")),
            Release = ReadRelease(reader.OptionalMapping("release")),
            Processes = ReadProcesses(reader.OptionalMapping("processes")),
            User = ReadUser(reader),
            Environment = selected,
        };
        reader.RejectUnknownKeys();

        foreach (var key in manifest.Secrets.Keys.Where(manifest.Env.ContainsKey))
            throw Invalid(file, 1, $"secrets.{key}", "is also set in env", "a variable is either plain env or a secret");
        foreach (var (key, _) in manifest.Secrets.Where(s => !s.Value.IsReadBySlipway && selected.Platform != PlatformKind.Aws))
            throw Invalid(file, 1, $"secrets.{key}.fromSsm", $"the {selected.Platform.Name()} platform cannot read SSM parameters",
                "use fromEnv: or fromFile: in this environment (an environment's secrets: replace the top-level ones), and fromSsm: on aws");
        return manifest;
    }

    private static SourceSpec ReadSource(MappingReader source, string manifestDir)
    {
        var git = source.OptionalString("git");
        var path = source.OptionalString("path");
        if ((git is null) == (path is null))
            throw Invalid(source.File, source.Line, source.Path, "needs exactly one of git: (a URL) or path: (a local folder)");
        var reference = source.OptionalString("ref");
        var subdirectory = source.OptionalString("subdirectory");
        if (subdirectory is not null && (Path.IsPathRooted(subdirectory.Value) || subdirectory.Value.Split('/').Contains("..")))
            throw Invalid(source.File, subdirectory.Line, "source.subdirectory", "must be a relative path inside the repository");
        source.RejectUnknownKeys();
        return new SourceSpec
        {
            Location = git?.Value ?? Path.GetFullPath(Path.Combine(manifestDir, path!.Value)),
            IsLocalPath = path is not null,
            Ref = reference?.Value,
            Subdirectory = subdirectory?.Value.Trim('/') is { Length: > 0 } sub ? sub : null,
        };
    }

    private static BuildSpec ReadBuild(MappingReader? build, string manifestDir, string file)
    {
        var dockerfile = build?.OptionalString("dockerfile");
        var args = build?.OptionalMapping("args") is { } argsReader ? argsReader.StringMap() : new Dictionary<string, string>();
        build?.RejectUnknownKeys();
        var dockerfilePath = Path.GetFullPath(Path.Combine(manifestDir, dockerfile?.Value ?? "Dockerfile"));
        return new BuildSpec { Dockerfile = dockerfilePath, Args = args, DeclaredAt = $"{file}:{dockerfile?.Line ?? build?.Line ?? 1}" };
    }

    private static ResourcesSpec ReadResources(MappingReader? reader)
    {
        if (reader is null) return new ResourcesSpec();
        var memory = reader.OptionalString("memory");
        long bytes = ResourcesSpec.DefaultMemoryBytes;
        if (memory is not null && (!TryParseBytes(memory.Value, out bytes) || bytes < 6L << 20 || bytes > 1L << 40))
            throw Invalid(reader.File, memory.Line, "resources.memory", $"\"{memory.Value}\" is not a memory size from 6Mi to 1Ti",
                "use e.g. 256Mi, 1Gi (or 256m, 1g)");
        var spec = new ResourcesSpec { MemoryBytes = bytes, Pids = reader.OptionalInt("pids", 16, 1_000_000) ?? ResourcesSpec.DefaultPids };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static bool TryParseBytes(string text, out long bytes)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+)\s*([kmgt]i?b?)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        bytes = 0;
        if (!match.Success || !long.TryParse(match.Groups[1].Value, out var number)) return false;
        var shift = char.ToLowerInvariant(match.Groups[2].Value.FirstOrDefault()) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, _ => 0 };
        if (number > (long.MaxValue >> shift)) return false;
        bytes = number << shift;
        return true;
    }

    private static HealthCheckSpec ReadHealthCheck(MappingReader? reader)
    {
        if (reader is null) return new HealthCheckSpec();
        var defaults = new HealthCheckSpec();
        var path = reader.OptionalString("path");
        if (path is not null && (!path.Value.StartsWith('/') || path.Value.StartsWith("//", StringComparison.Ordinal)
                                 || path.Value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\')))
            throw Invalid(reader.File, path.Line, "healthCheck.path",
                $"\"{path.Value}\" must be an absolute path on the replica: one /, then no spaces, backslashes or second /",
                "for example /healthz; a path starting // would name another host");
        var spec = new HealthCheckSpec
        {
            Path = path?.Value ?? defaults.Path,
            Interval = reader.OptionalDuration("interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)) ?? defaults.Interval,
            Timeout = reader.OptionalDuration("timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2)) ?? defaults.Timeout,
            HealthyThreshold = reader.OptionalInt("healthyThreshold", 1, 10) ?? defaults.HealthyThreshold,
            UnhealthyThreshold = reader.OptionalInt("unhealthyThreshold", 1, 10) ?? defaults.UnhealthyThreshold,
            StartPeriod = reader.OptionalDuration("startPeriod", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30)) ?? defaults.StartPeriod,
        };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static Dictionary<string, string> ReadEnv(MappingReader? reader)
    {
        if (reader is null) return [];
        var env = reader.StringMap();
        foreach (var name in env.Keys.Where(name => !EnvNamePattern().IsMatch(name)))
            throw Invalid(reader.File, reader.Line, $"env.{name}", "is not a valid environment variable name");
        return env;
    }

    private static Dictionary<string, SecretSpec> ReadSecrets(MappingReader? reader, string manifestDir)
    {
        var secrets = new Dictionary<string, SecretSpec>();
        if (reader is null) return secrets;
        foreach (var (name, line) in reader.Keys())
        {
            if (!EnvNamePattern().IsMatch(name))
                throw Invalid(reader.File, line, $"secrets.{name}", "is not a valid environment variable name");
            var secret = reader.RequiredMapping(name);
            var fromEnv = secret.OptionalString("fromEnv");
            var fromFile = secret.OptionalString("fromFile");
            var fromSsm = secret.OptionalString("fromSsm");
            if (new[] { fromEnv, fromFile, fromSsm }.Count(s => s is not null) != 1)
                throw Invalid(reader.File, line, $"secrets.{name}", "needs exactly one of fromEnv:, fromFile: or fromSsm:",
                    "secret values never go in the manifest itself");
            if (fromSsm is not null && !SsmParameterPattern().IsMatch(fromSsm.Value))
                throw Invalid(reader.File, fromSsm.Line, $"secrets.{name}.fromSsm", $"\"{fromSsm.Value}\" is not an SSM parameter name or ARN",
                    "e.g. fromSsm: /copilot/shop/prod/secrets/DB_PASSWORD");
            secret.RejectUnknownKeys();
            secrets[name] = new SecretSpec
            {
                FromEnv = fromEnv?.Value,
                FromFile = fromFile is null ? null : Path.GetFullPath(Path.Combine(manifestDir, fromFile.Value)),
                FromSsm = fromSsm?.Value,
            };
        }
        return secrets;
    }

    private static EdgeSpec ReadEdge(MappingReader? reader)
    {
        if (reader is null) return new EdgeSpec();
        var host = reader.OptionalString("host");
        if (host is not null && !HostPattern().IsMatch(host.Value))
            throw Invalid(reader.File, host.Line, "edge.host", $"\"{host.Value}\" is not a valid host name");
        var spec = new EdgeSpec { Port = reader.OptionalInt("port", 1, 65535) ?? 8080, Host = host?.Value };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static CheckSpec ReadCheck(MappingReader? reader)
    {
        if (reader is null) return new CheckSpec();
        var defaults = new CheckSpec();
        var spec = new CheckSpec
        {
            Tries = reader.OptionalInt("tries", 1, 1000) ?? defaults.Tries,
            Interval = reader.OptionalDuration("interval", TimeSpan.Zero, TimeSpan.FromMinutes(5)) ?? defaults.Interval,
        };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static string? ReadCertificate(MappingReader reader)
    {
        var certificate = reader.OptionalString("certificateArn");
        if (certificate is not null && !certificate.Value.StartsWith("arn:aws", StringComparison.Ordinal))
            throw Invalid(reader.File, certificate.Line, "aws.certificateArn", $"\"{certificate.Value}\" is not an ACM certificate ARN",
                "use arn:aws:acm:<region>:<account>:certificate/<id>");
        return certificate?.Value;
    }

    private static DnsSpec? ReadDns(MappingReader? reader)
    {
        if (reader is null) return null;
        var zone = reader.RequiredString("hostedZoneId");
        var name = reader.RequiredString("name");
        if (!HostPattern().IsMatch(name.Value.TrimEnd('.')))
            throw Invalid(reader.File, name.Line, "aws.dns.name", $"\"{name.Value}\" is not a valid DNS name");
        reader.RejectUnknownKeys();
        return new DnsSpec(zone.Value, name.Value.TrimEnd('.'));
    }

    private static bool ReadSubnets(MappingReader reader) => reader.OptionalString("subnets") switch
    {
        null => false,
        { Value: "public" } => false,
        { Value: "private" } => true,
        var other => throw Invalid(reader.File, other.Line, "aws.subnets", $"\"{other.Value}\" is neither public nor private"),
    };

    private static EgressMode ReadEgress(MappingReader reader) => reader.OptionalString("egress") switch
    {
        null or { Value: "endpoints" } => EgressMode.Endpoints,
        { Value: "nat" } => EgressMode.Nat,
        var other => throw Invalid(reader.File, other.Line, "aws.egress", $"\"{other.Value}\" is neither endpoints nor nat",
            "endpoints (VPC endpoints for ECR, S3 and CloudWatch Logs) is the cheaper choice"),
    };

    private static ExistingVpcSpec? ReadExistingVpc(MappingReader? reader)
    {
        if (reader is null) return null;
        var vpc = reader.RequiredString("vpcId");
        IReadOnlyList<string> Subnets(string key, bool required)
        {
            var list = reader.OptionalList(key);
            if (list is null && !required) return [];
            if (list is null || list.Count != 2)
                throw Invalid(reader.File, reader.Line, $"aws.existingVpc.{key}", "needs two subnet IDs, in two availability zones");
            return list;
        }
        var spec = new ExistingVpcSpec(vpc.Value, Subnets("publicSubnetIds", required: true), Subnets("privateSubnetIds", required: false));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static AutoscalingSpec? ReadAutoscaling(MappingReader? reader)
    {
        if (reader is null) return null;
        var min = reader.OptionalInt("min", 1, 100) ?? 1;
        var max = reader.OptionalInt("max", 1, 100) ?? 4;
        var cpu = reader.OptionalInt("targetCpu", 10, 95);
        var requests = reader.OptionalInt("requestsPerTarget", 1, 100_000);
        if (max < min) throw Invalid(reader.File, reader.Line, "aws.autoscaling.max", $"{max} is below min ({min})");
        if ((cpu is null) == (requests is null))
            throw Invalid(reader.File, reader.Line, "aws.autoscaling", "needs exactly one of targetCpu: (percent) or requestsPerTarget:");
        reader.RejectUnknownKeys();
        return new AutoscalingSpec(min, max, cpu, requests);
    }

    private static CpuArchitecture ReadArchitecture(MappingReader reader) => reader.OptionalString("architecture") switch
    {
        null or { Value: "x86_64" } => CpuArchitecture.X86_64,
        { Value: "arm64" } => CpuArchitecture.Arm64,
        var other => throw Invalid(reader.File, other.Line, "aws.architecture", $"\"{other.Value}\" is not a Fargate CPU architecture",
            "use x86_64 (the default) or arm64 (Graviton)"),
    };

    private static string? ReadUser(MappingReader reader)
    {
        var user = reader.OptionalString("user");
        if (user is not null && !UserPattern().IsMatch(user.Value))
            throw Invalid(reader.File, user.Line, "user", $"\"{user.Value}\" is not a user name, uid or uid:gid", "e.g. user: \"65534:65534\" (nobody) or user: app");
        return user?.Value;
    }

    private static ReleaseSpec? ReadRelease(MappingReader? reader)
    {
        if (reader is null) return null;
        var command = reader.OptionalCommand("command") ?? [];
        if (command.Count == 0 || command.All(string.IsNullOrWhiteSpace) || command[^1].Trim().Length == 0)
            throw Invalid(reader.File, reader.Line, "release.command", "is empty", "give the command to run before traffic moves, e.g. command: flask db upgrade");
        var spec = new ReleaseSpec(command, reader.OptionalDuration("timeout", TimeSpan.FromSeconds(1), TimeSpan.FromHours(2)) ?? TimeSpan.FromMinutes(5));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static IReadOnlyList<ProcessSpec> ReadProcesses(MappingReader? reader)
    {
        if (reader is null) return [];
        var processes = new List<ProcessSpec>();
        foreach (var (name, line) in reader.Keys().ToList())
        {
            if (!ProcessNamePattern().IsMatch(name) || name == "web")
                throw Invalid(reader.File, line, $"processes.{name}", "is not a valid process name",
                    "use 1-20 lowercase letters, digits and dashes, starting with a letter; web is the app itself");
            var process = reader.OptionalMapping(name)
                ?? throw Invalid(reader.File, line, $"processes.{name}", "needs a command", "e.g. worker: { command: \"python worker.py\" }");
            var command = process.OptionalCommand("command") ?? [];
            if (command.Count == 0 || command.All(string.IsNullOrWhiteSpace) || command[^1].Trim().Length == 0)
                throw Invalid(reader.File, process.Line, $"processes.{name}.command", "is empty", "give the command the process runs, e.g. command: python worker.py");
            var check = process.OptionalCommand("check");
            if (check is not null && (check.Count == 0 || check[^1].Trim().Length == 0))
                throw Invalid(reader.File, process.Line, $"processes.{name}.check", "is empty", "give a command that succeeds inside a healthy process, or remove check:");
            processes.Add(new ProcessSpec(name, command, process.OptionalInt("replicas", 0, 100) ?? 1,
                process.OptionalDuration("healthy", TimeSpan.Zero, TimeSpan.FromMinutes(10)) ?? TimeSpan.FromSeconds(10), check));
            process.RejectUnknownKeys();
        }
        return processes;
    }

    private static NotifySpec? ReadNotify(MappingReader? reader)
    {
        if (reader is null) return null;
        var webhook = reader.OptionalString("webhook");
        var fromEnv = reader.OptionalString("webhookFromEnv");
        if ((webhook is null) == (fromEnv is null))
            throw Invalid(reader.File, reader.Line, "notify", "needs exactly one of webhook: (a URL) or webhookFromEnv: (a variable holding it)",
                "a webhook URL that carries a token is best kept out of the manifest: webhookFromEnv: SLACK_WEBHOOK_URL");
        Uri? url = null;
        if (webhook is not null && !Webhooks.TryParse(webhook.Value, out url))
            throw Invalid(reader.File, webhook.Line, "notify.webhook", "is not an http:// or https:// URL",
                "use the full URL the chat tool or service gave you, e.g. https://hooks.example.com/services/...");
        if (fromEnv is not null && !EnvNamePattern().IsMatch(fromEnv.Value))
            throw Invalid(reader.File, fromEnv.Line, "notify.webhookFromEnv", $"\"{fromEnv.Value}\" is not an environment variable name");
        var spec = new NotifySpec(url, fromEnv?.Value,
            reader.OptionalDuration("timeout", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1)) ?? TimeSpan.FromSeconds(5));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static HooksSpec ReadHooks(MappingReader? reader)
    {
        if (reader is null) return new HooksSpec();
        var spec = new HooksSpec
        {
            PreBuild = reader.OptionalString("preBuild")?.Value,
            PreCutover = reader.OptionalString("preCutover")?.Value,
            PostDeploy = reader.OptionalString("postDeploy")?.Value,
        };
        reader.RejectUnknownKeys();
        return spec;
    }

    private static AwsSpec ReadAws(MappingReader? reader)
    {
        if (reader is null) return new AwsSpec();
        var defaults = new AwsSpec();
        var region = reader.OptionalString("region");
        var stack = reader.OptionalString("stackName");
        if (stack is not null && !System.Text.RegularExpressions.Regex.IsMatch(stack.Value, "^[A-Za-z][A-Za-z0-9-]{0,127}$"))
            throw Invalid(reader.File, stack.Line, "aws.stackName", $"\"{stack.Value}\" is not a valid CloudFormation stack name");
        var cidr = reader.OptionalString("vpcCidr");
        if (cidr is not null && !System.Text.RegularExpressions.Regex.IsMatch(cidr.Value, @"^\d{1,3}(\.\d{1,3}){3}/(1[6-9])$"))
            throw Invalid(reader.File, cidr.Line, "aws.vpcCidr", $"\"{cidr.Value}\" is not an IPv4 CIDR block from /16 to /{AwsLimits.LargestVpcPrefix}",
                "its subnets are 8 bits longer, and a load balancer's subnet must be /27 or larger: e.g. 10.10.0.0/16");
        var cpu = reader.OptionalInt("cpu", 256, 16384);
        if (cpu is not null && !AwsLimits.FargateCpu.Contains(cpu.Value))
            throw Invalid(reader.File, reader.Line, "aws.cpu", $"{cpu} is not a Fargate CPU size", $"use one of {string.Join(", ", AwsLimits.FargateCpu)}");
        var memory = reader.OptionalInt("memory", 512, 122880);
        var sizes = AwsLimits.FargateMemory(cpu ?? defaults.Cpu);
        if (memory is not null && !sizes.Contains(memory.Value))
            throw Invalid(reader.File, reader.Line, "aws.memory", $"{memory} MiB does not go with cpu {cpu ?? defaults.Cpu} on Fargate",
                $"with cpu {cpu ?? defaults.Cpu}, use {AwsLimits.Describe(sizes)}");
        var retention = reader.OptionalInt("logRetentionDays", 1, 3653);
        if (retention is not null && !AwsLimits.LogRetentionDays.Contains(retention.Value))
            throw Invalid(reader.File, reader.Line, "aws.logRetentionDays", $"{retention} is not a CloudWatch Logs retention period",
                $"use one of {string.Join(", ", AwsLimits.LogRetentionDays)}");
        var spec = new AwsSpec
        {
            Region = region?.Value,
            StackName = stack?.Value,
            VpcCidr = cidr?.Value ?? defaults.VpcCidr,
            Cpu = cpu ?? defaults.Cpu,
            Memory = memory ?? defaults.Memory,
            ListenerPort = reader.OptionalInt("listenerPort", 1, 65535) ?? defaults.ListenerPort,
            ImagesKept = reader.OptionalInt("imagesKept", 1, 1000) ?? defaults.ImagesKept,
            LogRetentionDays = retention ?? defaults.LogRetentionDays,
            CertificateArn = ReadCertificate(reader),
            Dns = ReadDns(reader.OptionalMapping("dns")),
            PrivateSubnets = ReadSubnets(reader),
            Egress = ReadEgress(reader),
            ExistingVpc = ReadExistingVpc(reader.OptionalMapping("existingVpc")),
            Autoscaling = ReadAutoscaling(reader.OptionalMapping("autoscaling")),
            Architecture = ReadArchitecture(reader),
        };
        reader.RejectUnknownKeys();
        if (spec.ExistingVpc is not null && reader.Keys().Any(k => k.Key == "egress"))
            throw Invalid(reader.File, reader.Line, "aws.egress", "does not apply with existingVpc: the VPC's own routes decide how tasks reach AWS",
                "remove aws.egress, or let Slipway create the VPC");
        if (spec is { PrivateSubnets: true, ExistingVpc.PrivateSubnetIds.Count: 0 })
            throw Invalid(reader.File, reader.Line, "aws.existingVpc.privateSubnetIds", "is required with subnets: private",
                "list two private subnets of the VPC, in two availability zones");
        return spec;
    }

    internal static SlipwayException Invalid(string file, long line, string key, string problem, string? hint = null) =>
        new(ErrorCode.ManifestInvalid, key.Length > 0 ? $"{file}:{line}: {key}: {problem}" : $"{file}:{line}: {problem}",
            hint ?? "every key is described in schema/slipway.schema.json; examples/hello-flask/slipway.yaml shows them in use");

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
