namespace Slipway.Engine;

/// <summary>
/// Bounds the wait for the engine's answer to each request (its status and headers; a build's or a log's
/// stream may then go on as long as it needs), so an engine that accepts connections and never answers
/// fails the call with a clear error instead of hanging the CLI.
/// </summary>
internal sealed class AnswerTimeoutHandler(string endpoint, TimeSpan timeout) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            return await base.SendAsync(request, bounded.Token);
        }
        catch (HttpRequestException e) when (SshFailureOf(e) is { } ssh)
        {
            throw ssh.Error; // ssh said why there is no engine (a host key, a login, the server): that, not "an error occurred"
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException tls)
        {
            throw new Foundation.SlipwayException(Foundation.ErrorCode.EngineUnreachable,
                $"the container engine at {endpoint} failed the TLS handshake: {tls.Message.Split('\n')[0]}",
                "check DOCKER_CERT_PATH: its ca.pem must be the CA that signed the engine's certificate (for this address), and cert.pem and key.pem a client certificate it trusts");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new EngineTimeoutException(
                $"the container engine at {endpoint} did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {Slipway.Foundation.Timing.Duration.Format(timeout)}");
        }
    }

    private static SshFailedException? SshFailureOf(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is SshFailedException ssh) return ssh;
        return null;
    }
}

public sealed class EngineTimeoutException(string message) : TimeoutException(message);
