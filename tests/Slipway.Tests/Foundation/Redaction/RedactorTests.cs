using System.Text;
using Slipway.Foundation.Redaction;

namespace Slipway.Tests.Foundation.Redaction;

[Trait("Tier", "unit")]
public sealed class RedactorTests
{
    [Fact]
    public void Each_line_of_a_multi_line_secret_is_hidden_in_output_read_a_line_at_a_time()
    {
        var redactor = new Redactor();
        redactor.Add("-----BEGIN KEY-----\nfirstHalf\r\nsecondHalf\n-----END KEY-----");

        var shown = "$ echo \"$TOK\"\n-----BEGIN KEY-----\nfirstHalf\nsecondHalf\n-----END KEY-----".Split('\n').Select(redactor.Redact);

        Assert.Equal(["$ echo \"$TOK\"", "***", "***", "***", "***"], shown);
    }

    [Fact]
    public void A_secret_in_base64_is_hidden_too()
    {
        var redactor = new Redactor();
        redactor.Add("user:hunter22");

        var shown = redactor.Redact("Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:hunter22")));

        Assert.Equal("Authorization: Basic ***", shown);
    }

    [Theory]
    [InlineData("cloning https://ghp_token123@github.com/me/app.git", "cloning https://***@github.com/me/app.git")]
    [InlineData("cloning https://me:s3cret@git.example/app.git", "cloning https://***@git.example/app.git")]
    [InlineData("ssh://deploy:s3cret@server: refused", "ssh://***@server: refused")]
    [InlineData("ssh://deploy@203.0.113.7: the server refused the login", "ssh://deploy@203.0.113.7: the server refused the login")]
    public void A_urls_credentials_are_hidden_but_an_ssh_login_name_is_not_a_credential(string text, string shown)
    {
        Assert.Equal(shown, new Redactor().Redact(text));
    }
}
