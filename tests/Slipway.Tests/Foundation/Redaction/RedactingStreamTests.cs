using System.Text;
using Slipway.Foundation.Redaction;

namespace Slipway.Tests.Foundation.Redaction;

/// <summary>A terminal's raw output is redacted as it comes: at once, except an end that could begin a secret.</summary>
[Trait("Tier", "unit")]
public sealed class RedactingStreamTests
{
    private static (RedactingStream Stream, MemoryStream Shown) Redacting(string secret)
    {
        var redactor = new Redactor();
        redactor.Add(secret);
        var shown = new MemoryStream();
        return (new RedactingStream(shown, redactor), shown);
    }

    private static string Text(MemoryStream shown) => Encoding.UTF8.GetString(shown.ToArray());

    [Fact]
    public void A_secret_split_between_writes_is_hidden_and_other_text_goes_out_at_once()
    {
        var (stream, shown) = Redacting("hunter22");

        stream.Write(Encoding.UTF8.GetBytes("$ echo $TOKEN\r\nhun"));
        Assert.Equal("$ echo $TOKEN\r\n", Text(shown)); // "hun" could begin the secret: held
        stream.Write(Encoding.UTF8.GetBytes("ter22\r\n$ "));
        Assert.Equal("$ echo $TOKEN\r\n***\r\n$ ", Text(shown));
    }

    [Fact]
    public void What_is_held_goes_out_when_it_proves_no_secret_or_at_the_end_and_split_characters_survive()
    {
        var (stream, shown) = Redacting("hunter22");
        var accent = Encoding.UTF8.GetBytes("é");

        stream.Write(Encoding.UTF8.GetBytes("hunt"));
        stream.Write(accent.AsSpan(0, 1));
        stream.Write(accent.AsSpan(1));
        Assert.Equal("hunté", Text(shown));
        stream.Write(Encoding.UTF8.GetBytes("hunte"));
        stream.Dispose();
        Assert.Equal("huntéhunte", Text(shown));
    }
}
