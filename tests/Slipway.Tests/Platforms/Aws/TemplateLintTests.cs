using System.Diagnostics;
using Slipway.Configuration;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// Every rendered variant of the stack template passes cfn-lint (AWS's own template linter, which knows property
/// types, allowed values and required DependsOn that moto never checks) with no error, no warning and no informational finding
/// (I3011 an explicit DeletionPolicy on the log group, I3042 no hard-coded partition).
/// </summary>
[Trait("Tier", "aws")]
public sealed class TemplateLintTests : IDisposable
{
    private readonly TempDirectory _dir = new("slipway-lint");

    public TemplateLintTests() => _dir.Write("Dockerfile", "FROM scratch\n");

    public static TheoryData<string, string> Variants => new()
    {
        { "default", "" },
        { "before-the-first-release", "" },
        { "arm64", "  architecture: arm64\n" },
        { "sized", "  cpu: 16384\n  memory: 122880\n  logRetentionDays: 3653\n  listenerPort: 8080\n" },
        { "https", "  certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n  dns:\n    hostedZoneId: Z123456789\n    name: shop.example.com\n" },
        { "dns", "  dns:\n    hostedZoneId: Z123456789\n    name: shop.example.com\n" },
        { "private-endpoints", "  subnets: private\n  egress: endpoints\n" },
        { "private-nat", "  subnets: private\n  egress: nat\n" },
        { "existing-vpc", "  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    publicSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n" },
        { "autoscaling-cpu", "  autoscaling:\n    min: 2\n    max: 6\n    targetCpu: 60\n" },
        { "workers", "" },
        { "maintenance", "  certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n  dns:\n    hostedZoneId: Z123456789\n    name: shop.example.com\n" },
        { "exec", "  exec: true\n" },
        { "exec-private", "  exec: true\n  subnets: private\n  egress: endpoints\n" },
        { "autoscaling-requests", "  autoscaling:\n    max: 4\n    requestsPerTarget: 500\n" },
        { "volumes", "" },
        { "volumes-private-exec", "  exec: true\n  subnets: private\n  egress: endpoints\n" },
        { "volumes-existing-vpc", "  subnets: private\n  existingVpc:\n    vpcId: vpc-0123456789abcdef0\n    publicSubnetIds: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]\n    privateSubnetIds: [subnet-0123456789abcdef2, subnet-0123456789abcdef3]\n" },
        { "jobs", "" },
        { "accessories", "" },
        { "accessories-private", "  subnets: private\n  egress: endpoints\n" },
        { "jobs-private-volumes", "  subnets: private\n  egress: endpoints\n" },
        { "jobs-notify", "" },
        { "everything", "  exec: true\n  certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abc\n  dns:\n    hostedZoneId: Z123456789\n    name: shop.example.com\n  subnets: private\n  egress: endpoints\n  autoscaling:\n    min: 2\n    max: 6\n    targetCpu: 60\n" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Cfn_lint_finds_nothing(string variant, string aws)
    {
        var secrets = variant == "everything" ? "secrets:\n  API_TOKEN:\n    fromEnv: T\n" : "";
        var processes = variant is "workers" or "everything" or "exec"
            ? "processes:\n  worker:\n    command: python worker.py\n    replicas: 2\n  nightly-report:\n    command: [python, report.py]\n    check: test -f /tmp/alive\n    healthy: 30s\n"
            : "";
        var volumes = TemplateLintTests.VolumesOf(variant) + TemplateLintTests.JobsOf(variant) + TemplateLintTests.AccessoriesOf(variant);
        var app = Support.Manifests.Parse($"app: shop\nsource:\n  git: x\n{secrets}{processes}{volumes}aws:\n  region: eu-west-1\n{aws}", Path.Combine(_dir.Path, "slipway.yaml"));
        var template = _dir.Write($"{variant}.json",
            variant switch
            {
                "before-the-first-release" => StackTemplate.Render(app, release: null),
                "maintenance" => StackTemplate.WithMaintenance(Templates.ServingText(app), new Slipway.Platforms.MaintenancePage("<h1>Back at noon</h1>", IsHtml: true)),
                _ => Templates.ServingText(app),
            });

        var (exitCode, output) = await LintAsync(template);

        Assert.True(exitCode == 0, $"cfn-lint on the {variant} template:\n{output}");
    }

    /// <summary>The volumes a variant's app has (its user named by number where one is, so the access points carry a POSIX user).</summary>
    internal static string VolumesOf(string variant) => variant switch
    {
        "volumes" or "volumes-existing-vpc" => "replicas: 1\nvolumes:\n  data: /var/lib/app\n",
        "volumes-private-exec" => "user: \"1000:1000\"\nvolumes:\n  data: { path: /var/lib/app, shared: true }\n  uploads: { path: /srv/uploads, shared: true }\n",
        "everything" or "jobs-private-volumes" => "volumes:\n  data: { path: /var/lib/app, shared: true }\n",
        _ => "",
    };

    /// <summary>The jobs a variant's app has: one on a fixed time in a zone with a deadline, one every few minutes on weekdays.</summary>
    internal static string JobsOf(string variant) => (variant is "jobs-notify" or "everything" ? "notify: { webhook: \"https://hooks.example.com/T0KEN\" }\n" : "")
        + (variant is "jobs" or "jobs-private-volumes" or "jobs-notify" or "everything"
        ? "jobs:\n  nightly-report:\n    schedule: \"0 3 * * *\"\n    timeZone: Europe/Paris\n    command: python report.py\n    startingDeadline: 6h\n"
          + "  sync:\n    schedule: \"*/10 8-18 * * 1-5\"\n    command: [python, sync.py]\n"
        : "");

    /// <summary>The stateless accessories a variant's app has: a cache reached on its port with a health check and a secret, and one with no port.</summary>
    internal static string AccessoriesOf(string variant) => variant is "accessories" or "accessories-private" or "everything"
        ? "accessories:\n  cache:\n    image: redis:7\n    port: 6379\n    command: [redis-server, --requirepass, x]\n    healthCheck: { command: redis-cli ping }\n"
          + "    secrets: { REDIS_PASSWORD: { fromEnv: REDIS_PASSWORD } }\n  mailcatcher:\n    image: axllent/mailpit\n"
        : "";

    [Fact]
    public async Task Cfn_lint_finds_nothing_in_the_volumes_stack()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nreplicas: 1\nvolumes:\n  data: /var/lib/app\naws:\n  region: eu-west-1\n", Path.Combine(_dir.Path, "slipway.yaml"));
        var (exitCode, output) = await LintAsync(_dir.Write("data.json", StackTemplate.DataTemplate(app)));
        Assert.True(exitCode == 0, $"cfn-lint on the volumes stack's template:\n{output}");
    }

    private static async Task<(int ExitCode, string Output)> LintAsync(string template)
    {
        using var process = Process.Start(new ProcessStartInfo(MotoFixture.Find("cfn-lint"), ["--regions", "eu-west-1", "--include-checks", "I", "--", template])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + error);
    }

    public void Dispose() => _dir.Dispose();
}
