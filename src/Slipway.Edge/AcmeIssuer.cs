using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// The answers to HTTP-01 challenges in progress, served by the edge's plain ports at
/// <c>/.well-known/acme-challenge/TOKEN</c> before anything else (a redirect, an app).
/// </summary>
/// <param name="AsksPeers">A cluster's edge, which asks its peers for the answer to a check one of them proves.</param>
internal sealed class AcmeChallenges(bool AsksPeers = false)
{
    public const string PathPrefix = "/.well-known/acme-challenge/";
    private readonly ConcurrentDictionary<string, string> _answers = new();

    /// <summary>Whether a request for a challenge's answer may get one here (rather than go to an app as any path would).</summary>
    public bool MayAnswer => AsksPeers || !_answers.IsEmpty;

    public void Add(string token, string keyAuthorization) => _answers[token] = keyAuthorization;

    public void Remove(string token) => _answers.TryRemove(token, out _);

    public string? Answer(string token) => _answers.GetValueOrDefault(token);

    /// <summary>Whether a path's last segment could be an ACME token (RFC 8555 §8.1: base64url, at least 128 bits of entropy).</summary>
    public static bool IsToken(string token) =>
        token.Length is >= 22 and <= 128 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>
/// <c>edge.tls.acme</c>: an ACME client (RFC 8555) for one certificate at a time. The account key is kept in the edge's
/// directory (0600), one per directory URL and email, so renewals use the same account. Each name is proven by HTTP-01:
/// the CA fetches the answer from the edge's plain port (the route's <c>redirectFrom</c>).
/// </summary>
internal sealed class AcmeIssuer(EdgePaths paths, AcmeChallenges challenges, ListenerConfiguration listeners, TimeProvider time, ILogger<AcmeIssuer> log)
    : ICertificateIssuer
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public string Kind => TlsIssuers.Acme;

    public async Task<(string CertificatePem, string KeyPem)> IssueAsync(EdgeTlsIssuer issuer, CancellationToken ct)
    {
        using var http = Client(issuer.AcmeCaPem);
        var port = issuer.RedirectFrom ?? 80;
        listeners.OpenChallengePort(port, issuer.Listen); // a first deploy has no redirect port open yet
        try
        {
            using var account = AccountKey(issuer);
            var session = new AcmeSession(http, account, time);
            await session.StartAsync(new Uri(issuer.AcmeDirectory!), ct);
            await session.RegisterAsync(issuer.AcmeEmail!, ct);
            var (order, orderUrl) = await session.PostAsync(session.Endpoint("newOrder"),
                new JsonObject { ["identifiers"] = new JsonArray(issuer.Names.Select(n => (JsonNode)new JsonObject { ["type"] = "dns", ["value"] = n }).ToArray()) }, ct);
            foreach (var authorization in order["authorizations"]!.AsArray().Select(a => new Uri(a!.GetValue<string>())))
                await ProveAsync(session, authorization, ct);
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={issuer.Names[0]}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            foreach (var name in issuer.Names) names.AddDnsName(name);
            request.CertificateExtensions.Add(names.Build());
            await session.PostAsync(new Uri(order["finalize"]!.GetValue<string>()),
                new JsonObject { ["csr"] = AcmeSession.Base64Url(request.CreateSigningRequest()) }, ct);
            var done = await session.PollAsync(orderUrl!, "order", ct);
            var chain = await session.DownloadAsync(new Uri(done["certificate"]!.GetValue<string>()), ct);
            return (chain, key.ExportPkcs8PrivateKeyPem());
        }
        catch (Exception e) when (e is HttpRequestException or AcmeProblemException or JsonException or InvalidOperationException or TaskCanceledException
                                   && !ct.IsCancellationRequested)
        {
            throw new CertificateIssuingException($"{issuer.AcmeDirectory} did not issue a certificate for {string.Join(", ", issuer.Names)}: {e.Message}", e);
        }
        finally
        {
            listeners.CloseChallengePort(port);
        }
    }

    /// <summary>Answers the authorization's HTTP-01 challenge from the edge's plain port and waits for the CA to check it.</summary>
    private async Task ProveAsync(AcmeSession session, Uri authorizationUrl, CancellationToken ct)
    {
        var (authorization, _) = await session.PostAsGetAsync(authorizationUrl, ct);
        if (authorization["status"]?.GetValue<string>() == "valid") return;
        var challenge = authorization["challenges"]!.AsArray().FirstOrDefault(c => c!["type"]!.GetValue<string>() == "http-01")
            ?? throw new AcmeProblemException($"the CA offers no http-01 challenge for {authorization["identifier"]?["value"]}");
        var token = challenge["token"]!.GetValue<string>();
        challenges.Add(token, $"{token}.{session.Thumbprint}");
        try
        {
            log.LogInformation("ACME: answering http-01 for {Name}", authorization["identifier"]?["value"]);
            await session.PostAsync(new Uri(challenge["url"]!.GetValue<string>()), new JsonObject(), ct);
            await session.PollAsync(authorizationUrl, "authorization", ct);
        }
        finally
        {
            challenges.Remove(token);
        }
    }

    /// <summary>The account key for this directory and email: made once, kept readable by the edge's owner only.</summary>
    private ECDsa AccountKey(EdgeTlsIssuer issuer)
    {
        var directory = Path.Combine(paths.Directory, "acme");
        Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(directory,
            $"account-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer.AcmeDirectory}\n{issuer.AcmeEmail}")))[..16]}.key");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (File.Exists(file))
        {
            key.ImportFromPem(File.ReadAllText(file));
            return key;
        }
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(file + ".tmp", options))
        using (var writer = new StreamWriter(stream))
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        File.Move(file + ".tmp", file, overwrite: false);
        return key;
    }

    /// <summary>An HTTPS client for the CA; with <paramref name="caPem"/>, one that trusts only that CA (a private ACME server).</summary>
    private static HttpClient Client(string? caPem)
    {
        var handler = new SocketsHttpHandler { UseProxy = true, PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        if (caPem is not null)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPem(caPem);
            handler.SslOptions.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck,
            };
            handler.SslOptions.CertificateChainPolicy.CustomTrustStore.AddRange(trusted);
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>One conversation with an ACME server: its directory, replay nonces, and requests signed with the account key (ES256).</summary>
    private sealed class AcmeSession(HttpClient http, ECDsa key, TimeProvider time)
    {
        private JsonObject _directory = new();
        private string? _nonce;
        private string? _accountUrl;

        public string Thumbprint { get; } = Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(JwkJson(key))));

        public Uri Endpoint(string name) => new(_directory[name]?.GetValue<string>() ?? throw new AcmeProblemException($"the directory names no {name}"));

        public async Task StartAsync(Uri directory, CancellationToken ct) =>
            _directory = JsonNode.Parse(await http.GetStringAsync(directory, ct))!.AsObject();

        public async Task RegisterAsync(string email, CancellationToken ct)
        {
            var (_, location) = await PostAsync(Endpoint("newAccount"),
                new JsonObject { ["termsOfServiceAgreed"] = true, ["contact"] = new JsonArray($"mailto:{email}") }, ct);
            _accountUrl = location?.ToString() ?? throw new AcmeProblemException("the CA gave the account no URL");
        }

        public Task<(JsonObject Body, Uri? Location)> PostAsync(Uri url, JsonObject payload, CancellationToken ct) =>
            SendAsync(url, payload.ToJsonString(), ct);

        public Task<(JsonObject Body, Uri? Location)> PostAsGetAsync(Uri url, CancellationToken ct) => SendAsync(url, "", ct);

        /// <summary>Polls an order or authorization until it is valid; invalid is the CA's "no", with its reason.</summary>
        public async Task<JsonObject> PollAsync(Uri url, string what, CancellationToken ct)
        {
            var deadline = time.GetUtcNow() + Patience;
            while (true)
            {
                var (body, _) = await PostAsGetAsync(url, ct);
                switch (body["status"]?.GetValue<string>())
                {
                    case "valid":
                        return body;
                    case "invalid":
                        var error = body["challenges"]?.AsArray().Select(c => c?["error"]?["detail"]?.GetValue<string>()).FirstOrDefault(d => d is not null)
                                    ?? body["error"]?["detail"]?.GetValue<string>() ?? "no reason given";
                        throw new AcmeProblemException($"the {what} is invalid: {error}");
                }
                if (time.GetUtcNow() > deadline) throw new AcmeProblemException($"the {what} was not valid within {Slipway.Foundation.Timing.Duration.Format(Patience)}");
                await Task.Delay(PollInterval, time, ct);
            }
        }

        public async Task<string> DownloadAsync(Uri url, CancellationToken ct)
        {
            using var response = await SendRawAsync(url, "", "application/pem-certificate-chain", ct);
            return await response.Content.ReadAsStringAsync(ct);
        }

        private async Task<(JsonObject Body, Uri? Location)> SendAsync(Uri url, string payload, CancellationToken ct)
        {
            using var response = await SendRawAsync(url, payload, "application/json", ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return (text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!.AsObject(), response.Headers.Location);
        }

        /// <summary>A signed POST; a stale nonce (the server's badNonce) is retried once with the fresh one it sent.</summary>
        private async Task<HttpResponseMessage> SendRawAsync(Uri url, string payload, string accept, CancellationToken ct)
        {
            for (var attempt = 1; ; attempt++)
            {
                _nonce ??= await NewNonceAsync(ct);
                var protectedHeader = new JsonObject { ["alg"] = "ES256", ["nonce"] = _nonce, ["url"] = url.ToString() };
                if (_accountUrl is null) protectedHeader["jwk"] = JsonNode.Parse(JwkJson(key));
                else protectedHeader["kid"] = _accountUrl;
                var header64 = Base64Url(Encoding.UTF8.GetBytes(protectedHeader.ToJsonString()));
                var payload64 = payload.Length == 0 ? "" : Base64Url(Encoding.UTF8.GetBytes(payload));
                var signature = key.SignData(Encoding.ASCII.GetBytes($"{header64}.{payload64}"), HashAlgorithmName.SHA256); // IEEE P1363: r || s
                var body = new JsonObject { ["protected"] = header64, ["payload"] = payload64, ["signature"] = Base64Url(signature) }.ToJsonString();
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
                request.Headers.Accept.ParseAdd(accept);
                var response = await http.SendAsync(request, ct);
                _nonce = response.Headers.TryGetValues("Replay-Nonce", out var nonces) ? nonces.First() : null;
                if (response.IsSuccessStatusCode) return response;
                using (response)
                {
                    var problem = await response.Content.ReadAsStringAsync(ct);
                    var (type, detail) = ProblemOf(problem);
                    if (type.EndsWith(":badNonce", StringComparison.Ordinal) && attempt < 3) continue;
                    throw new AcmeProblemException($"{(int)response.StatusCode} {type}: {detail}");
                }
            }
        }

        private async Task<string> NewNonceAsync(CancellationToken ct)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, Endpoint("newNonce"));
            using var response = await http.SendAsync(request, ct);
            return response.Headers.TryGetValues("Replay-Nonce", out var nonces) ? nonces.First()
                : throw new AcmeProblemException("the CA sent no nonce");
        }

        private static (string Type, string Detail) ProblemOf(string text)
        {
            try
            {
                var problem = JsonNode.Parse(text);
                return (problem?["type"]?.GetValue<string>() ?? "error", problem?["detail"]?.GetValue<string>() ?? text);
            }
            catch (JsonException)
            {
                return ("error", text.Length > 200 ? text[..200] : text);
            }
        }

        /// <summary>The account's public key as a JWK, members in the order RFC 7638's thumbprint needs.</summary>
        private static string JwkJson(ECDsa key)
        {
            var p = key.ExportParameters(false);
            return $"{{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"{Base64Url(p.Q.X!)}\",\"y\":\"{Base64Url(p.Q.Y!)}\"}}";
        }

        public static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>An ACME server said no (an RFC 7807 problem), or answered in a way this client cannot follow.</summary>
internal sealed class AcmeProblemException(string message) : Exception(message);
