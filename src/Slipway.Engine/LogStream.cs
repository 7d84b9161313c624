using System.Text;

namespace Slipway.Engine;

/// <summary>Docker multiplexes stdout and stderr of a non-TTY container into 8-byte-header frames.</summary>
public static class LogStream
{
    public static string Demultiplex(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder();
        while (data.Length >= 8 && data[0] <= 2 && data[1] == 0 && data[2] == 0 && data[3] == 0)
        {
            var size = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
            var frame = data.Slice(8, Math.Min(size, data.Length - 8));
            text.Append(Encoding.UTF8.GetString(frame));
            data = data[(8 + frame.Length)..];
        }
        if (data.Length > 0) text.Append(Encoding.UTF8.GetString(data)); // a TTY container's raw stream
        return text.ToString();
    }
}
