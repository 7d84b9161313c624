using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Slipway.Cloud.Aws;

/// <summary>
/// The AWS JSON protocol (1.1: ECS, ECR, CloudWatch Logs, SSM; 1.0: DynamoDB): a POST with <c>X-Amz-Target: Prefix.Operation</c>
/// and a JSON body; errors come back as <c>{"__type": "...#Code", "message": "..."}</c>.
/// Requests and responses are records serialised with camelCase names, as the service models spell them.
/// </summary>
/// <param name="wire">The metadata of the service's requests and responses, generated at build time (the CLI is compiled ahead
/// of time, with no reflection): each client declares its own.</param>
public sealed class AwsJsonClient(AwsHttp http, string service, string targetPrefix, IJsonTypeInfoResolver wire, bool pascalCase = false,
    string protocolVersion = "1.1") : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new AwsTimestampConverter() },
    };

    /// <summary>Some JSON services (SSM, DynamoDB) spell members in PascalCase, as C# does.</summary>
    public static readonly JsonSerializerOptions PascalJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = null,
        Converters = { new AwsTimestampConverter() },
    };

    private readonly JsonSerializerOptions _options = new(pascalCase ? PascalJson : Json) { TypeInfoResolver = wire };

    public async Task<TResponse> CallAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(request, (JsonTypeInfo<TRequest>)_options.GetTypeInfo(typeof(TRequest)));
        var (_, text) = await http.SendAsync(() =>
        {
            var message = new HttpRequestMessage(HttpMethod.Post, "") { Content = new StringContent(body, Encoding.UTF8) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue($"application/x-amz-json-{protocolVersion}");
            message.Headers.Add("X-Amz-Target", $"{targetPrefix}.{operation}");
            return message;
        }, (status, text) => ParseError(service, status, text)?.WithAction($"{http.SigningName}:{operation}"), ct);
        return JsonSerializer.Deserialize(text.Length == 0 ? "{}" : text, (JsonTypeInfo<TResponse>)_options.GetTypeInfo(typeof(TResponse)))!;
    }

    /// <summary>Parses <c>{"__type": "...", "message": "..."}</c> into a named error.</summary>
    public static AwsServiceException? ParseError(string service, System.Net.HttpStatusCode status, string body)
    {
        try
        {
            var json = JsonNode.Parse(body);
            var type = json?["__type"]?.GetValue<string>() ?? json?["code"]?.GetValue<string>();
            if (type is null) return null;
            var code = type[(type.LastIndexOf('#') + 1)..];
            var message = json?["message"]?.GetValue<string>() ?? json?["Message"]?.GetValue<string>() ?? "";
            return new AwsServiceException(service, code, message, (int)status);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
