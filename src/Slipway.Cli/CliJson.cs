using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Slipway.Backups;
using Slipway.Cli.Commands;
using Slipway.Cli.Dashboard;
using Slipway.Cli.Webhooks;
using Slipway.Edge.Contract;
using Slipway.Pipeline;
using Slipway.Platforms;
using Slipway.Platforms.History;

namespace Slipway.Cli;

/// <summary>
/// What <c>--json</c> prints, its metadata generated at build time: the CLI is compiled ahead of time and serialises nothing
/// by reflection. Indented, with camelCase names; null members are written, so a script finds every key.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(UpResult))]
[JsonSerializable(typeof(PlanResult))]
[JsonSerializable(typeof(DestroyReport))]
[JsonSerializable(typeof(RollbackResult))]
[JsonSerializable(typeof(CanaryReport))]
[JsonSerializable(typeof(ImportCommand.ImportSummary))]
[JsonSerializable(typeof(InitCommand.InitResult))]
[JsonSerializable(typeof(IReadOnlyList<ReleaseRecord>))]
[JsonSerializable(typeof(IReadOnlyList<JobStatus>))]
[JsonSerializable(typeof(IReadOnlyList<PreviewStatus>))]
[JsonSerializable(typeof(BackupRecord))]
[JsonSerializable(typeof(IReadOnlyList<BackupRecord>))]
[JsonSerializable(typeof(IReadOnlyList<TrafficSnapshot>))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(LockState))]
[JsonSerializable(typeof(AccessoriesOutput))]
[JsonSerializable(typeof(EdgeStatusOutput))]
[JsonSerializable(typeof(EdgeImageOutput))]
[JsonSerializable(typeof(IReadOnlyList<DoctorCheckOutput>))]
[JsonSerializable(typeof(StatusOutput))]
internal sealed partial class CliJson : JsonSerializerContext;

/// <summary>One JSON document per line (a log line, a webhook's body, the dashboard's state): compact, camelCase.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LogLineOutput))]
[JsonSerializable(typeof(DeployEvent))]
[JsonSerializable(typeof(DashboardSnapshot))]
internal sealed partial class CliLineJson : JsonSerializerContext;

internal sealed record AccessoriesOutput(IReadOnlyList<AccessoryStatus> Accessories, IReadOnlyList<VolumeStatus> Volumes);

internal sealed record EdgeStatusOutput(EdgeInfo Info, IReadOnlyList<RouteStatus> Routes);

internal sealed record EdgeImageOutput(string Image, string Engine);

internal sealed record DoctorCheckOutput(string Name, string Status, string Detail, string? Hint);

/// <param name="Time">ISO 8601 in UTC; null when the platform did not tell.</param>
internal sealed record LogLineOutput(string? Time, string Replica, string Text);

internal sealed record InProgressOutput(LockHolder? Holder);

internal sealed record StatusOutput(string App, string Environment, string Platform, string Url, string? Version, DateTimeOffset? DeployedAt,
    IReadOnlyList<ReplicaStatus> Replicas, int Healthy, IReadOnlyDictionary<string, IReadOnlyList<ReplicaStatus>> Processes,
    IReadOnlyList<AccessoryStatus> Accessories, IReadOnlyList<JobStatus> Jobs, IReadOnlyList<VolumeStatus> Volumes, IReadOnlyList<TrafficRate> Traffic,
    DateTimeOffset? CertificateExpiresAt, CanaryStatus? Canary, CanaryReport? LastCanary, InProgressOutput? InProgress, ReleaseRecord? LastRelease,
    string? Problem);
