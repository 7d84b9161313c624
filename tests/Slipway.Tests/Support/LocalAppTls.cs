namespace Slipway.Tests.Support;

/// <summary>An app served by HTTPS at the edge (<c>edge.tls</c>), for the tests of TLS and of its bad input.</summary>
public static class LocalAppTls
{
    /// <summary>Serves the app on its port by HTTPS for <paramref name="host"/>, with the given PEM files written beside the manifest.</summary>
    public static void UseTls(this LocalApp app, string host, (string Certificate, string Key) pem, string? extra = null)
    {
        var directory = Path.GetDirectoryName(app.ManifestPath)!;
        File.WriteAllText(Path.Combine(directory, "tls.crt"), pem.Certificate);
        File.WriteAllText(Path.Combine(directory, "tls.key"), pem.Key);
        var text = File.ReadAllText(app.ManifestPath);
        var edge = $"edge:\n  port: {app.Port}\n";
        Assert.Contains(edge, text);
        File.WriteAllText(app.ManifestPath, text.Replace(edge, $"{edge}  host: {host}\n  tls:\n    certFile: tls.crt\n    keyFile: tls.key\n{extra}"));
    }
}
