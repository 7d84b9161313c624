using System.Diagnostics;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Tests.Support;

namespace Slipway.Tests.Foundation.Files;

[Trait("Tier", "unit")]
public sealed class UserFileTests
{
    [Fact]
    public void A_regular_file_is_read_whole()
    {
        using var dir = new TempDirectory("slipway-userfile");
        var file = Path.Combine(dir.Path, "page.html");
        File.WriteAllText(file, "<p>back soon</p>");

        Assert.Equal("<p>back soon</p>", UserFile.ReadText(file, "--page"));
    }

    [Theory]
    [InlineData("/dev/zero", "is a kernel or device file")]
    [InlineData("/proc/self/environ", "is a kernel or device file")]
    [InlineData("/tmp", "is a directory")]
    [InlineData("/nonexistent/file", "does not exist")]
    public void What_is_not_a_regular_file_of_the_user_is_refused_without_reading_it(string path, string why)
    {
        var error = Assert.Throws<SlipwayException>(() => UserFile.ReadText(path, "--page"));

        Assert.Equal($"--page: {path} {why}", error.Message);
    }

    [Fact]
    public void A_pipe_is_refused_without_waiting_for_a_writer()
    {
        using var dir = new TempDirectory("slipway-userfile");
        var fifo = Path.Combine(dir.Path, "requirements.txt");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();

        var error = Assert.Throws<SlipwayException>(() => UserFile.ReadText(fifo, "init"));

        Assert.Contains("is not a regular file", error.Message);
    }

    [Fact]
    public void A_file_over_the_bound_is_refused_after_reading_one_byte_past_it()
    {
        using var dir = new TempDirectory("slipway-userfile");
        var file = Path.Combine(dir.Path, "cert.pem");
        File.WriteAllBytes(file, new byte[4097]);

        var error = Assert.Throws<SlipwayException>(() => UserFile.ReadBytes(file, "edge.tls.certFile", limit: 4096));

        Assert.Equal($"edge.tls.certFile: {file} is larger than 4 KiB", error.Message);
        Assert.Equal(4096, UserFile.ReadBytes(file, "x", limit: 4097).Length - 1);
    }
}
