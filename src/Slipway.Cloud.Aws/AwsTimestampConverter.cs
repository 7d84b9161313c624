using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Slipway.Cloud.Aws;

/// <summary>
/// The JSON protocols' timestamps: epoch seconds as a number (with a fraction), the service models' default; an ISO-8601
/// string is read too. System.Text.Json alone reads only the string, so a real DescribeServices answer would not parse.
/// </summary>
public sealed class AwsTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => DateTimeOffset.UnixEpoch.AddTicks((long)(reader.GetDouble() * TimeSpan.TicksPerSecond)),
            JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                => DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond)),
            JsonTokenType.String => DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            _ => throw new JsonException($"a timestamp cannot be {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000.0);
}
