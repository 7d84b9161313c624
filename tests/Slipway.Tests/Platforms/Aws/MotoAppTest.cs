using Slipway.Cloud.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// A test of one app deployed through the real CLI to moto: moto reset first, the app's repository and manifest made, the CLI
/// run against moto, and clients of moto to look at what the CLI made.
/// </summary>
public abstract class MotoAppTest(MotoFixture moto, string prefix) : IAsyncLifetime
{
    protected LocalApp App { get; private set; } = null!;
    protected MotoFixture Moto => moto;
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask InitializeAsync()
    {
        await moto.ResetAsync();
        App = new LocalApp(prefix);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>The CLI with <c>-e aws</c> and the manifest.</summary>
    protected Task<CliResult> RunAsync(params string[] args) => App.Cli.RunAsync([.. args, "-e", "aws", "-f", App.ManifestPath], moto.Environment, Ct);

    /// <summary>The CLI with the manifest only (a command whose environment comes from elsewhere, as <c>--preview</c>'s).</summary>
    protected Task<CliResult> RunWithoutEnvironmentAsync(params string[] args) => App.Cli.RunAsync([.. args, "-f", App.ManifestPath], moto.Environment, Ct);

    protected AwsSettings Settings => new(new Amazon.Runtime.BasicAWSCredentials("testing", "testing"), Amazon.RegionEndpoint.USEast1,
        name => moto.Environment.GetValueOrDefault(name));

    protected CloudFormationClient CloudFormation => CloudFormationClient.Create(Settings, TimeProvider.System);

    protected EcsClient Ecs => EcsClient.Create(Settings, TimeProvider.System);

    /// <summary>The app's stack's name as Slipway makes it.</summary>
    protected string StackName => $"slipway-{App.Name}";
}
