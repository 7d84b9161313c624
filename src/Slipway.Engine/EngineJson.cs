using System.Text.Json.Serialization;

namespace Slipway.Engine;

/// <summary>The engine API's <c>filters</c> values, their JSON metadata generated at build time (the CLI uses no reflection).</summary>
[JsonSerializable(typeof(Dictionary<string, string[]>))]
internal sealed partial class EngineJson : JsonSerializerContext;
