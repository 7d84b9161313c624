using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slipway.Edge.Contract;

/// <summary>
/// The metadata of the control API's messages, generated at build time: the CLI is compiled ahead of time and serialises
/// nothing by reflection. Used with the web defaults (camelCase names), as the edge reads and writes them.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EdgeInfo))]
[JsonSerializable(typeof(List<RouteStatus>))]
[JsonSerializable(typeof(RouteStatus))]
[JsonSerializable(typeof(DeployArgs))]
[JsonSerializable(typeof(DeployOutcome))]
[JsonSerializable(typeof(MaintenanceMode))]
[JsonSerializable(typeof(CanaryResult))]
[JsonSerializable(typeof(EdgeError))]
[JsonSerializable(typeof(List<TrafficSnapshot>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JobNotification))]
[JsonSerializable(typeof(JobFailedEvent))]
public sealed partial class EdgeContractJson : JsonSerializerContext;
