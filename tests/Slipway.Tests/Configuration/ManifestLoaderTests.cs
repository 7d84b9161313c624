using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Tests.Support;

namespace Slipway.Tests.Configuration;

[Trait("Tier", "unit")]
public sealed class ManifestLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string ManifestPath => Path.Combine(_dir.Path, "slipway.yaml");

    public ManifestLoaderTests() => _dir.Write("Dockerfile", "FROM scratch\n");

    private AppManifest Parse(string yaml) => Support.Manifests.Parse(yaml, ManifestPath);

    private SlipwayException Fails(string yaml) => Assert.Throws<SlipwayException>(() => Parse(yaml));

    [Fact]
    public void Minimal_manifest_gets_the_documented_defaults()
    {
        var app = Parse("app: shop\nsource:\n  git: https://example.invalid/shop.git\n");

        Assert.Equal("shop", app.App);
        Assert.Equal(8000, app.Port);
        Assert.Equal(2, app.Replicas);
        Assert.Equal("/", app.HealthCheck.Path);
        Assert.Equal(8080, app.Edge.Port);
        Assert.Null(app.Edge.Host);
        Assert.Equal(TimeSpan.FromSeconds(5), app.Drain);
        Assert.Equal(Path.Combine(_dir.Path, "Dockerfile"), app.Build.Dockerfile);
        Assert.False(app.Source.IsLocalPath);
        Assert.Null(app.Source.Ref);
    }

    [Fact]
    public void Full_manifest_is_read_into_records()
    {
        _dir.Write("deploy/Dockerfile.web", "FROM scratch\n");
        var app = Parse("""
            app: web-2
            source:
              path: ./code
              ref: v1.2
              subdirectory: services/web/
            build:
              dockerfile: deploy/Dockerfile.web
              args:
                PYTHON: "3.11"
            port: 9000
            replicas: 3
            healthCheck:
              path: /up
              interval: 500ms
              timeout: 1s
              healthyThreshold: 1
              unhealthyThreshold: 4
              startPeriod: 1m30s
            env:
              MODE: production
            secrets:
              API_KEY:
                fromEnv: WEB_API_KEY
            drain: 10s
            edge:
              port: 9090
              host: web.localhost
            check:
              tries: 5
              interval: 2s
            """);

        Assert.Equal(Path.Combine(_dir.Path, "code"), app.Source.Location);
        Assert.True(app.Source.IsLocalPath);
        Assert.Equal("v1.2", app.Source.Ref);
        Assert.Equal("services/web", app.Source.Subdirectory);
        Assert.Equal("3.11", app.Build.Args["PYTHON"]);
        Assert.Equal(9000, app.Port);
        Assert.Equal(3, app.Replicas);
        Assert.Equal(TimeSpan.FromMilliseconds(500), app.HealthCheck.Interval);
        Assert.Equal(TimeSpan.FromSeconds(90), app.HealthCheck.StartPeriod);
        Assert.Equal(4, app.HealthCheck.UnhealthyThreshold);
        Assert.Equal("production", app.Env["MODE"]);
        Assert.Equal("WEB_API_KEY", app.Secrets["API_KEY"].FromEnv);
        Assert.Equal("web.localhost", app.Edge.Host);
        Assert.Equal(5, app.Check.Tries);
    }

    [Theory]
    [InlineData("app: shop\nsource:\n  git: x\nreplicas: lots\n", "slipway.yaml:4: replicas: \"lots\" is not a whole number")]
    [InlineData("app: shop\nsource:\n  git: x\nreplicas: 0\n", "slipway.yaml:4: replicas: 0 is out of range (1 to 20)")]
    [InlineData("app: shop\nsource:\n  git: x\nhealthCheck:\n  interval: 5x\n", "slipway.yaml:5: healthCheck.interval: \"5x\" is not a duration")]
    [InlineData("app: shop\nsource:\n  git: x\nhealthCheck:\n  path: health\n", "slipway.yaml:5: healthCheck.path: \"health\" must be an absolute path on the replica")]
    [InlineData("app: shop\nsource:\n  git: x\nport: 70000\n", "slipway.yaml:4: port: 70000 is out of range (1 to 65535)")]
    [InlineData("app: shop\nsource:\n  git: x\nreplica: 2\n", "slipway.yaml:4: replica: unknown key")]
    [InlineData("app: shop\nsource:\n  git: x\nedge:\n  prot: 80\n", "slipway.yaml:5: edge.prot: unknown key")]
    [InlineData("app: Shop_1\nsource:\n  git: x\n", "slipway.yaml:1: app: \"Shop_1\" is not a valid app name")]
    [InlineData("source:\n  git: x\n", "slipway.yaml:1: app: is required")]
    [InlineData("app: shop\n", "slipway.yaml:1: source: is required")]
    [InlineData("app: shop\nsource:\n  git: x\n  path: .\n", "slipway.yaml:3: source: needs exactly one of git: (a URL) or path: (a local folder)")]
    [InlineData("app: shop\nsource:\n  git: x\n  subdirectory: ../up\n", "slipway.yaml:4: source.subdirectory: must be a relative path inside the repository")]
    [InlineData("app: shop\nsource:\n  git: x\nenv:\n  1BAD: x\n", "env.1BAD: is not a valid environment variable name")]
    [InlineData("app: shop\nsource:\n  git: x\nsecrets:\n  TOKEN: plain-text\n", "secrets.TOKEN: must be a mapping of keys")]
    [InlineData("app: shop\nsource:\n  git: x\nsecrets:\n  TOKEN:\n    value: x\n", "secrets.TOKEN: needs exactly one of fromEnv:, fromFile: or fromSsm:")]
    [InlineData("app: shop\nsource:\n  git: x\nenv:\n  T: a\nsecrets:\n  T:\n    fromEnv: X\n", "secrets.T: is also set in env")]
    [InlineData("app: shop\nsource: [a, b]\n", "slipway.yaml:2: source: must be a mapping of keys")]
    [InlineData("- just\n- a list\n", "the manifest must be a mapping of keys")]
    [InlineData("app: shop\nsource:\n  git: x\nedge:\n  host: Not_A_Host\n", "edge.host: \"Not_A_Host\" is not a valid host name")]
    public void Invalid_manifests_name_the_line_and_key(string yaml, string expected)
    {
        var error = Fails(yaml);

        Assert.Equal(ErrorCode.ManifestInvalid, error.Code);
        Assert.Equal(2, error.ExitCode);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Malformed_yaml_is_reported_with_its_line()
    {
        var error = Fails("app: shop\nsource:\n  git: x\n   port: 1\n  - bad");

        Assert.Equal(ErrorCode.ManifestInvalid, error.Code);
        Assert.StartsWith("slipway.yaml:", error.Message);
        Assert.Contains("malformed YAML", error.Message);
    }

    [Fact]
    public void Missing_dockerfile_is_its_own_error_with_the_resolved_path_when_a_build_needs_it()
    {
        var app = Support.Manifests.Parse("app: shop\nsource:\n  git: x\nbuild:\n  dockerfile: nope/Dockerfile\n", Path.Combine(_dir.Path, "slipway.yaml"));

        var error = Assert.Throws<SlipwayException>(app.Build.EnsureDockerfileExists); // loading alone succeeds: destroy needs no Dockerfile

        Assert.Equal(ErrorCode.DockerfileMissing, error.Code);
        Assert.StartsWith("slipway.yaml:5: build.dockerfile: no Dockerfile at", error.Message);
        Assert.Contains(Path.Combine(_dir.Path, "nope", "Dockerfile"), error.Message);
        Assert.NotNull(error.Hint);
    }

    [Fact]
    public void Missing_manifest_file_is_reported_with_a_hint()
    {
        var error = Assert.Throws<SlipwayException>(() => Support.Manifests.Load(Path.Combine(_dir.Path, "absent.yaml")));

        Assert.Equal(ErrorCode.ManifestNotFound, error.Code);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Secrets_resolve_from_env_and_file_and_name_what_is_missing_without_values()
    {
        _dir.Write("token.txt", "s3cret-from-file\n");
        var app = Parse("app: shop\nsource:\n  git: x\nsecrets:\n  A:\n    fromEnv: SHOP_A\n  B:\n    fromFile: token.txt\n");

        var values = SecretResolver.Resolve(app, name => name == "SHOP_A" ? "s3cret-from-env" : null);
        Assert.Equal("s3cret-from-env", values["A"]);
        Assert.Equal("s3cret-from-file", values["B"]);

        var error = Assert.Throws<SlipwayException>(() => SecretResolver.Resolve(app, _ => null));
        Assert.Contains("SHOP_A is not set", error.Message);
    }

    [Fact]
    public void Edge_listen_takes_ipv4_and_ipv6_addresses_in_their_canonical_form()
    {
        var app = Parse("app: shop\nsource: { git: x }\nedge:\n  listen: [0.0.0.0, \"2001:DB8::1\", 192.0.2.10]\n");

        Assert.Equal(["0.0.0.0", "2001:db8::1", "192.0.2.10"], app.Edge.Listen);
        Assert.Null(Parse("app: shop\nsource: { git: x }\n").Edge.Listen); // loopback only
    }

    [Theory]
    [InlineData("[shop.example.com]", "edge.listen: \"shop.example.com\" is not an IP address")]
    [InlineData("[\"10.1\"]", "edge.listen: \"10.1\" is not an IP address")]
    [InlineData("[0.0.0.0, \"::\"]", "edge.listen: :: already listens on every IPv4 address too")]
    [InlineData("[127.0.0.1, 127.0.0.1]", "edge.listen: 127.0.0.1 is given twice")]
    [InlineData("[]", "edge.listen: is empty")]
    public void Bad_listen_addresses_are_one_error_naming_the_key(string listen, string message) =>
        Assert.Contains(message, Fails($"app: shop\nsource: {{ git: x }}\nedge:\n  listen: {listen}\n").Message);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Tls_takes_the_local_ca_as_a_word_or_a_mapping_and_acme_with_its_directory_email_and_ca()
    {
        _dir.Write("pebble-ca.pem", "not read here");
        var shorthand = Parse("app: shop\nsource:\n  git: x\nedge:\n  tls: local\n").Edge.Tls!;
        var mapping = Parse("app: shop\nsource:\n  git: x\nedge:\n  tls:\n    local: true\n    redirectFrom: 8081\n").Edge.Tls!;
        var acme = Parse("app: shop\nsource:\n  git: x\nedge:\n  host: shop.example\n  tls:\n    acme:\n      directory: https://acme.test/dir\n"
                         + "      email: ops@shop.example\n      caFile: pebble-ca.pem\n").Edge.Tls!;

        Assert.Equal((true, null, (int?)null), (shorthand.Local, shorthand.CertFile, shorthand.RedirectFrom));
        Assert.Equal((true, (int?)8081), (mapping.Local, mapping.RedirectFrom));
        Assert.Equal(new AcmeSpec("https://acme.test/dir", "ops@shop.example", Path.Combine(_dir.Path, "pebble-ca.pem")), acme.Acme);
        Assert.Equal(80, acme.RedirectFrom); // where the CA checks HTTP-01, unless told otherwise
    }

    [Theory]
    [InlineData("  tls: letsencrypt\n", "slipway.yaml:5: edge.tls: \"letsencrypt\" is not a form of TLS")]
    [InlineData("  tls:\n    local: true\n    certFile: a.crt\n", "slipway.yaml:6: edge.tls: takes one of certFile and keyFile, local: true, or acme")]
    [InlineData("  tls:\n    redirectFrom: 80\n", "slipway.yaml:6: edge.tls: takes one of certFile and keyFile, local: true, or acme")]
    [InlineData("  host: shop.example\n  tls:\n    acme:\n      directory: http://acme.test/dir\n      email: a@b\n",
        "slipway.yaml:8: edge.tls.acme.directory: \"http://acme.test/dir\" is not an https URL")]
    [InlineData("  host: shop.example\n  tls:\n    acme:\n      directory: https://acme.test/dir\n      email: nobody\n",
        "slipway.yaml:9: edge.tls.acme.email: \"nobody\" is not an email address")]
    [InlineData("  tls:\n    acme:\n      directory: https://acme.test/dir\n      email: a@b\n",
        "slipway.yaml:5: edge.tls.acme: needs edge.host: an ACME CA issues certificates for host names only")]
    public void Bad_tls_is_one_error_naming_the_key(string edge, string message)
    {
        var error = Fails($"app: shop\nsource:\n  git: x\nedge:\n{edge}");

        Assert.Equal(ErrorCode.ManifestInvalid, error.Code);
        Assert.StartsWith(message, error.Message.Replace(ManifestPath, "slipway.yaml"));
    }
}
