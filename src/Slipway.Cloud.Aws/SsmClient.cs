using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

/// <summary>The SSM Parameter Store operations Slipway uses for secrets, over JSON 1.1 (AmazonSSM).</summary>
public sealed partial class SsmClient(AwsJsonClient json)
{
    private sealed record PutParameterRequest(string Name, string Value, string Type, bool Overwrite);
    private sealed record DeleteParametersRequest(IReadOnlyList<string> Names);
    private sealed record Empty;

    /// <summary>The wire types' metadata, generated at build time.</summary>
    [JsonSerializable(typeof(PutParameterRequest))]
    [JsonSerializable(typeof(DeleteParametersRequest))]
    [JsonSerializable(typeof(Empty))]
    private sealed partial class SsmWire : JsonSerializerContext;

    public static SsmClient Create(AwsSettings settings, TimeProvider time) =>
        new(new AwsJsonClient(new AwsHttp(settings, "ssm", settings.EndpointFor("ssm", "SSM"), time), "SSM", "AmazonSSM", SsmWire.Default,
            pascalCase: true));

    /// <summary>Stores a secret as a SecureString (encrypted with the account's default key). The value is never logged.</summary>
    public Task PutSecretAsync(string name, string value, CancellationToken ct) =>
        json.CallAsync<PutParameterRequest, Empty>("PutParameter", new(name, value, "SecureString", Overwrite: true), ct);

    /// <summary>Deletes parameters; missing ones are fine.</summary>
    public async Task DeleteAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        foreach (var batch in names.Chunk(10))
            await json.CallAsync<DeleteParametersRequest, Empty>("DeleteParameters", new(batch), ct);
    }
}
