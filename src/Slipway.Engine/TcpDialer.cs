using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Slipway.Foundation;

namespace Slipway.Engine;

/// <summary>
/// TLS to an engine as the docker CLI does it: <c>DOCKER_TLS_VERIFY</c> checks the engine's certificate against the CA in
/// <c>DOCKER_CERT_PATH</c> (ca.pem), and the client proves itself with cert.pem and key.pem from the same folder.
/// </summary>
/// <param name="CertificateFolder">Holds ca.pem, cert.pem and key.pem; null: no client certificate, system trust.</param>
/// <param name="Verify">Whether the engine's certificate is checked (against ca.pem when the folder has one, else the system's roots).</param>
public sealed record EngineTls(string? CertificateFolder, bool Verify)
{
    public static EngineTls SystemTrust { get; } = new(null, true);

    /// <summary>The docker CLI's TLS settings from the environment; null when they ask for none.</summary>
    public static EngineTls? FromEnvironment(Func<string, string?> environment)
    {
        var verify = !string.IsNullOrEmpty(environment("DOCKER_TLS_VERIFY"));
        if (!verify && string.IsNullOrEmpty(environment("DOCKER_TLS"))) return null;
        var folder = environment("DOCKER_CERT_PATH") is { Length: > 0 } given ? given
            : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return new EngineTls(folder, verify);
    }

    internal X509Certificate2Collection ClientCertificates()
    {
        if (CertificateFolder is null) return [];
        var (cert, key) = (Path.Combine(CertificateFolder, "cert.pem"), Path.Combine(CertificateFolder, "key.pem"));
        if (!File.Exists(cert) || !File.Exists(key)) return [];
        try
        {
            return [X509Certificate2.CreateFromPemFile(cert, key)];
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new SlipwayException(ErrorCode.InvalidSetting, $"DOCKER_CERT_PATH: {cert} and {key} are not a certificate and its key: {e.Message}",
                "point DOCKER_CERT_PATH at the folder with the client's cert.pem and key.pem (and the engine's ca.pem)");
        }
    }

    internal RemoteCertificateValidationCallback Validation()
    {
        if (!Verify) return (_, _, _, _) => true;
        var ca = CertificateFolder is null ? null : Path.Combine(CertificateFolder, "ca.pem");
        if (ca is null || !File.Exists(ca)) return (_, _, _, errors) => errors == SslPolicyErrors.None;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(ca);
        return (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            // The name is checked as the chain is: a certificate for another host is refused.
            return chain.Build(new X509Certificate2(certificate)) && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        };
    }
}

/// <summary>An engine on TCP: plain (only wise on a private network), or TLS with the docker CLI's certificates.</summary>
public sealed record TcpDialer(string Host, int Port, EngineTls? Tls) : EngineDialer
{
    public override async ValueTask<EngineConnection> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Host, Port, ct);
            if (Tls is null) return new SocketConnection(socket);
            var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            try
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = Host,
                    ClientCertificates = Tls.ClientCertificates(),
                    RemoteCertificateValidationCallback = Tls.Validation(),
                }, ct);
            }
            catch
            {
                await ssl.DisposeAsync();
                throw;
            }
            return new TlsConnection(ssl, socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>TLS over TCP: closing the write side sends TLS's close_notify, then TCP's half-close (Go's tls.Conn.CloseWrite).</summary>
    private sealed class TlsConnection(SslStream ssl, Socket socket) : StreamConnection(ssl)
    {
        public override async ValueTask CloseWriteAsync()
        {
            await ssl.ShutdownAsync();
            socket.Shutdown(SocketShutdown.Send);
        }
    }
}

/// <summary>
/// An engine connection over a stream both ways, or over one to read and one to write (a process's stdout and stdin);
/// subclasses say how the write side closes.
/// </summary>
public abstract class StreamConnection(Stream inner, Stream? output = null) : EngineConnection
{
    protected Stream Inner { get; } = inner;
    protected Stream Output { get; } = output ?? inner;
    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Inner.ReadAsync(buffer, ct);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Inner.ReadAsync(buffer, offset, count, ct);
    public override void Write(byte[] buffer, int offset, int count) => Output.Write(buffer, offset, count);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => Output.WriteAsync(buffer, ct);
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Output.WriteAsync(buffer, offset, count, ct);
    public override void Flush() => Output.Flush();
    public override Task FlushAsync(CancellationToken ct) => Output.FlushAsync(ct);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
            if (Output != Inner) Output.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await Inner.DisposeAsync();
        if (Output != Inner) await Output.DisposeAsync();
        await base.DisposeAsync();
    }
}
