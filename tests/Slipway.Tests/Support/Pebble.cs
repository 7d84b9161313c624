using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Slipway.Tests.Support;

/// <summary>
/// Let's Encrypt's ACME test server (Debian's <c>pebble</c>), on loopback ports of its own, validating HTTP-01 on
/// <see cref="HttpPort"/>. Its DNS is <c>pebble-challtestsrv</c>'s mock, which answers every name with 127.0.0.1, so
/// the CA reaches this machine's edge by any host name. Its own HTTPS certificate is made here, signed by <see cref="CaPem"/>.
/// </summary>
public sealed class Pebble : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("slipway-pebble");
    private readonly List<Process> _processes = [];
    private readonly System.Text.StringBuilder _log = new();

    /// <summary>What pebble and its DNS wrote, for a failing test's message.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private Pebble(int httpPort) => HttpPort = httpPort;

    /// <summary>The plain port where pebble checks HTTP-01 answers (the edge's redirect port).</summary>
    public int HttpPort { get; }
    public int AcmePort { get; private set; }
    public Uri Directory => new($"https://127.0.0.1:{AcmePort}/dir");

    /// <summary>The CA that signed pebble's own HTTPS certificate (not the CA of the certificates it issues).</summary>
    public string CaPem { get; private set; } = "";

    private int _managementPort;

    /// <summary>
    /// The root and the intermediate pebble signs the certificates it issues with, from its management API (made anew at
    /// each start, so a certificate that chains to them was issued by this pebble).
    /// </summary>
    public async Task<(X509Certificate2 Root, X509Certificate2 Intermediate)> IssuingChainAsync(CancellationToken ct)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler);
        var root = await http.GetStringAsync($"https://127.0.0.1:{_managementPort}/roots/0", ct);
        var intermediate = await http.GetStringAsync($"https://127.0.0.1:{_managementPort}/intermediates/0", ct);
        return (X509Certificate2.CreateFromPem(root), X509Certificate2.CreateFromPem(intermediate));
    }

    public static async Task<Pebble> StartAsync(int httpPort)
    {
        var pebble = new Pebble(httpPort);
        await pebble.RunAsync();
        return pebble;
    }

    private async Task RunAsync()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=pebble test server CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var served = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        CaPem = ca.ExportCertificatePem();
        File.WriteAllText(_dir.Path + "/cert.pem", served.ExportCertificatePem());
        File.WriteAllText(_dir.Path + "/key.pem", key.ExportECPrivateKeyPem());

        var dnsPort = FreePort.Next();
        AcmePort = FreePort.Next();
        _managementPort = FreePort.Next();
        File.WriteAllText(_dir.Path + "/pebble.json", $$"""
            {"pebble": {"listenAddress": "127.0.0.1:{{AcmePort}}", "managementListenAddress": "127.0.0.1:{{_managementPort}}",
              "certificate": "{{_dir.Path}}/cert.pem", "privateKey": "{{_dir.Path}}/key.pem",
              "httpPort": {{HttpPort}}, "tlsPort": {{FreePort.Next()}}, "ocspResponderURL": "", "externalAccountBindingRequired": false}
            }
            """);
        Start("pebble-challtestsrv", ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", $"127.0.0.1:{dnsPort}",
            "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", $"127.0.0.1:{FreePort.Next()}"]);
        Start("pebble", ["-config", _dir.Path + "/pebble.json", "-dnsserver", $"127.0.0.1:{dnsPort}"],
            new Dictionary<string, string> { ["PEBBLE_VA_NOSLEEP"] = "1", ["PEBBLE_WFE_NONCEREJECT"] = "0", ["PEBBLE_AUTHZREUSE"] = "0" });
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler);
        await Eventually.WaitUntilAsync(async () =>
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
                Assert.Fail($"{dead.StartInfo.FileName} exited with {dead.ExitCode}: {Log}");
            return (await http.GetAsync(Directory)).IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(20), "pebble answered on its directory");
    }

    private void Start(string program, string[] args, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? []) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        void Keep(object _, DataReceivedEventArgs line)
        {
            if (line.Data is not null) lock (_log) _log.AppendLine(line.Data);
        }
        process.OutputDataReceived += Keep;
        process.ErrorDataReceived += Keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        _dir.Dispose();
    }
}
