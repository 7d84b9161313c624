using Slipway.Cli;
using System.Net;
using System.Net.Sockets;
using Slipway.Tests.Support;

namespace Slipway.Tests.EndToEnd;

/// <summary>
/// The bad-input table: each case gets one clear error line naming the problem, a hint, the documented exit
/// code, and changes nothing (no container, no image, no edge proxy started). None of them builds or times
/// anything, so they run beside the end-to-end collection rather than in it.
/// </summary>
[Trait("Tier", "engine")]
[Collection(BadInputCollection.Name)]
public sealed class BadInputTests
{
    /// <param name="Setup">Breaks the otherwise valid app; returns the command line (the manifest is appended unless -f is given).</param>
    public sealed record Case(string Name, int ExitCode, string Message, Func<LocalApp, string[]> Setup,
        Dictionary<string, string>? Env = null)
    {
        public override string ToString() => Name;
    }

    private static string[] Edit(LocalApp app, string from, string to)
    {
        var text = File.ReadAllText(app.ManifestPath);
        Assert.Contains(from, text);
        File.WriteAllText(app.ManifestPath, text.Replace(from, to));
        return ["up"];
    }

    /// <summary>The app's environment named swarm (a registry given), with more lines under its edge: section.</summary>
    private static string[] OnSwarm(LocalApp app, string edge)
    {
        var text = File.ReadAllText(app.ManifestPath);
        File.WriteAllText(app.ManifestPath, text.Replace($"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n{edge}")
                                            + "swarm:\n  registry: 127.0.0.1:5999\n");
        return ["up", "-e", "swarm"];
    }

    private static string[] Append(LocalApp app, string yaml)
    {
        File.AppendAllText(app.ManifestPath, yaml);
        return ["up"];
    }

    /// <summary>
    /// An AWS limit (or a feature the aws platform lacks) on the aws environment. The AWS endpoint is a closed port, so a call made before the
    /// manifest was refused would end with another error (and exit 1): nothing on AWS can have changed.
    /// </summary>
    /// <param name="replicas">The app's replicas, when not the manifest's 2.</param>
    private static Case Aws(string name, string message, string aws, int? replicas = null) =>
        new(name, 2, message, app =>
        {
            if (replicas is { } count) Edit(app, "replicas: 2", $"replicas: {count}");
            return [.. Append(app, aws), "-e", "aws"];
        }, new()
        {
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9", ["AWS_ACCESS_KEY_ID"] = "testing", ["AWS_SECRET_ACCESS_KEY"] = "testing",
            ["AWS_REGION"] = "us-east-1", ["AWS_EC2_METADATA_DISABLED"] = "true",
        });

    /// <summary><c>exec -e aws</c>, refused on this side before any request (the endpoint is a closed port, and PATH has no plugin).</summary>
    private static Case AwsExec(string name, string message, string aws)
    {
        var closed = Aws(name, message, aws);
        return closed with
        {
            Setup = app =>
            {
                closed.Setup(app); // writes the manifest
                return ["exec", "-e", "aws", "-f", app.ManifestPath, "--", "ps"];
            },
            Env = new(closed.Env!) { ["PATH"] = "/usr/bin:/bin" },
        };
    }

    public static TheoryData<Case> Cases =>
    [
        Aws("aws: a cpu and memory Fargate has no size for", "aws.memory: 512 MiB does not go with cpu 1024 on Fargate", "aws:\n  cpu: 1024\n  memory: 512\n"),
        Aws("aws: a cpu Fargate does not offer", "aws.cpu: 300 is not a Fargate CPU size", "aws:\n  cpu: 300\n"),
        Aws("aws: a log retention CloudWatch does not offer", "aws.logRetentionDays: 10 is not a CloudWatch Logs retention period", "aws:\n  logRetentionDays: 10\n"),
        Aws("aws: a VPC too small for load balancer subnets", "aws.vpcCidr: \"10.0.0.0/24\" is not an IPv4 CIDR block", "aws:\n  vpcCidr: 10.0.0.0/24\n"),
        Aws("aws: a stack name CloudFormation refuses", "aws.stackName: \"1stack\" is not a valid CloudFormation stack name", "aws:\n  stackName: 1stack\n"),
        Aws("aws: egress with an existing VPC", "aws.egress: does not apply with existingVpc", "aws:\n  egress: nat\n  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [a, b]\n"),
        Aws("aws: private subnets of an existing VPC not named", "aws.existingVpc.privateSubnetIds: is required with subnets: private", "aws:\n  subnets: private\n  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [a, b]\n"),
        Aws("aws: an architecture Fargate does not run", "aws.architecture: \"sparc\" is not a Fargate CPU architecture", "aws:\n  architecture: sparc\n"),
        Aws("aws: autoscaling below its minimum", "aws.autoscaling.max: 2 is below min (3)", "aws:\n  autoscaling:\n    min: 3\n    max: 2\n    targetCpu: 50\n"),
        Aws("aws: an accessory with a volume", "accessories.db: on aws an accessory cannot keep data (volumes: data)",
            "accessories:\n  db: { image: postgres, volumes: { data: /var/lib/postgresql/data } }\n"),
        Aws("aws: an accessory built from a folder", "accessories.cache: on aws an accessory runs an image from a registry, and build: is not pushed yet",
            "accessories:\n  cache: { build: . }\n"),
        Aws("aws: a volume autoscaling would share", "volumes.data: aws.autoscaling may run up to 4 tasks at once",
            "volumes:\n  data: /data\naws:\n  autoscaling: { min: 1, max: 4, targetCpu: 60 }\n", replicas: 1),
        Aws("aws: env composed from a secret", "env.URL: ECS gives a task a secret only as a whole variable, so aws cannot compose secrets into env (${...})",
            "env:\n  URL: \"postgres://${PW}@db\"\nsecrets:\n  PW: { fromEnv: PW }\n"),
        Aws("aws: scheduled backups", "backups.schedule: on aws the app's volumes are backed up by AWS Backup",
            "volumes: { data: /data }\nbackups: { schedule: \"@daily\" }\n", replicas: 1),
        new Case("a volume two replicas would share", 2, "volumes.data: 2 containers would use it at once", app => Append(app, "volumes:\n  data: /data\n")),
        new Case("a volume at a relative path", 2, "volumes.data: \"data\" is not an absolute path in the container", app => Append(app, "volumes:\n  data: data\n")),
        new Case("an accessory with an image and a build", 2, "accessories.db: needs exactly one of image: (a reference) or build:", app => Append(app, "accessories:\n  db: { image: postgres, build: . }\n")),
        new Case("an accessory whose secret is not set", 2, "accessories.db.secrets.PW: environment variable SLIPWAY_TEST_UNSET_PW is not set",
            app => Append(app, "accessories:\n  db:\n    image: postgres\n    secrets: { PW: { fromEnv: SLIPWAY_TEST_UNSET_PW } }\n")),
        new Case("env composing a secret not declared", 2, "env.URL: ${PW} names no secret of this app", app => Append(app, "env:\n  URL: \"postgres://${PW}@db\"\n")),
        new Case("backups to a bucket name S3 refuses", 2, "backups.to: \"s3://My_Bucket\" is not an S3 location", app => Append(app, "backups:\n  to: s3://My_Bucket\n")),
        new Case("scheduled backups to this machine from a server's engine", 2, "backups.schedule: backups go to ", app => Append(app,
            "engine: ssh://deploy@192.0.2.1\naccessories:\n  db: { image: postgres, backup: { command: pg_dump, restore: psql } }\nbackups:\n  schedule: \"@daily\"\n")),
        new Case("a backup of an app with no data", 2, "keeps no data (no volumes: and no accessories: in the manifest)", app => ["backup", "-f", app.ManifestPath]),
        new Case("a backup of an unknown accessory", 2, "--accessory: ", app =>
        {
            Append(app, "accessories:\n  db: { image: postgres }\n");
            return ["backup", "--accessory", "cache", "-f", app.ManifestPath];
        }),
        new Case("a backup that keeps none", 2, "--keep: 0 would keep no backup", app =>
        {
            Edit(app, "replicas: 2", "replicas: 1");
            Append(app, "volumes:\n  data: /data\n");
            return ["backup", "--keep", "0", "-f", app.ManifestPath];
        }),
        new Case("a restore of a backup that is not there", 2, "restore: no backup \"shop-db-1\" of", app =>
        {
            Edit(app, "replicas: 2", "replicas: 1");
            Append(app, "volumes:\n  data: /data\n");
            return ["restore", "shop-db-1", "--yes", "-f", app.ManifestPath];
        }),
        new Case("accessory commands for an app without accessories", 2, "has no accessories", app => ["accessory", "status", "-f", app.ManifestPath]),
        new Case("accessory exec without a command", 2, "accessory exec: no command was given", app =>
        {
            Append(app, "accessories:\n  db: { image: postgres }\n");
            return ["accessory", "exec", "db", "-f", app.ManifestPath];
        }),
        Aws("aws: a job on days of the month and of the week", "jobs.nightly.schedule: \"0 3 1 * 1\" restricts both the day of month and the day of week",
            "jobs:\n  nightly: { schedule: \"0 3 1 * 1\", command: run }\n"),
        new Case("a preview seeded into what the base does not have", 2, "previews.seed.cache: is not an accessory or a volume of the local environment",
            app => [.. Append(app, "previews:\n  from: local\n  seed: { cache: latest }\n"), "--preview", "pr-1"]),
        new Case("a job with a bad cron expression", 2, "jobs.nightly.schedule: \"0 3 * * 8\": day-of-week: \"8\" is not a value from 0 to 7",
            app => Append(app, "jobs:\n  nightly: { schedule: \"0 3 * * 8\", command: run }\n")),
        new Case("a job in a time zone that is not one", 2, "jobs.nightly.timeZone: \"Paris\" is not a time zone",
            app => Append(app, "jobs:\n  nightly: { schedule: \"@daily\", timeZone: Paris, command: run }\n")),
        new Case("a run of a job that is not there", 2, "job: ", app => ["jobs", "run", "nightly", "-f", app.ManifestPath]),
        new Case("logs of a job that is not there", 2, "has no job \"nightly\"", app => ["logs", "--job", "nightly", "-m", app.ManifestPath]),
        new Case("a preview name that is not a DNS label", 2, "--preview: \"PR_1\" is not a DNS label", app =>
        {
            Append(app, "previews:\n  from: local\n  host: \"{name}.preview.test\"\n");
            return ["up", "--preview", "PR_1", "-f", app.ManifestPath];
        }),
        new Case("a previews host without {name}", 2, "previews.host: \"preview.test\" is not a host name template with {name} in it",
            app => Append(app, "previews:\n  from: local\n  host: preview.test\n")),
        new Case("a preview of an app without previews", 2, "--preview: slipway.yaml has no previews: section", app => ["up", "--preview", "pr-1", "-f", app.ManifestPath]),
        new Case("notify without a webhook", 2, "notify: needs exactly one of webhook: (a URL) or webhookFromEnv:", app => Append(app, "notify:\n  timeout: 5s\n")),
        new Case("notify to a URL that is not http", 2, "notify.webhook: is not an http:// or https:// URL", app => Append(app, "notify:\n  webhook: ftp://hooks.example.com/x\n")),
        new Case("notify from a bad variable name", 2, "notify.webhookFromEnv: \"1URL\" is not an environment variable name", app => Append(app, "notify:\n  webhookFromEnv: 1URL\n")),
        new Case("run without a command", 2, "run: no command was given", app => ["run", "-f", app.ManifestPath]),
        new Case("run with nothing deployed", 2, "is not deployed here: there is no release to run the command in", app => ["run", "-f", app.ManifestPath, "--", "true"]),
        new Case("an empty release command", 2, "release.command: is empty", app => Append(app, "release:\n  command: ''\n")),
        new Case("HTTPS by the local CA on swarm without edge.host", 2, "edge.tls: local: on swarm the certificate is for edge.host, and none is set",
            app => OnSwarm(app, "  tls: local\n")),
        AwsExec("exec on aws without aws.exec", "exec: ECS Exec is not enabled for", ""),
        AwsExec("exec on aws without the Session Manager plugin", "exec: the Session Manager plugin (session-manager-plugin) is not installed here", "aws:\n  exec: true\n"),
        new Case("an empty process command", 2, "processes.worker.command: is empty", app => Append(app, "processes:\n  worker:\n    command: ''\n")),
        new Case("a process named web", 2, "processes.web: is not a valid process name", app => Append(app, "processes:\n  web:\n    command: x\n")),
        new Case("an unknown process key", 2, "processes.worker.replica: unknown key", app => Append(app, "processes:\n  worker:\n    command: x\n    replica: 2\n")),
        new Case("a secret from SSM on the local platform", 2, "secrets.DB_PASSWORD.fromSsm: the local platform cannot read SSM parameters",
            app => Append(app, "secrets:\n  DB_PASSWORD:\n    fromSsm: /shop/db\n")),
        new Case("a secret from a malformed SSM name", 2, "secrets.DB_PASSWORD.fromSsm: \"bad name!\" is not an SSM parameter name or ARN",
            app => Append(app, "secrets:\n  DB_PASSWORD:\n    fromSsm: bad name!\n")),
        new Case("import of a missing copilot manifest", 2, "import: no Copilot manifest at /nonexistent/copilot/web/manifest.yml",
            _ => ["import", "copilot", "/nonexistent/copilot/web/manifest.yml"]),
        new Case("a dashboard on no port", 2, "--port: 0 is not a port", _ => ["dashboard", "--port", "0"]),
        new Case("a dashboard bound to no address", 2, "--bind: \"everywhere\" is not an IP address", _ => ["dashboard", "--bind", "everywhere"]),
        new Case("init of a missing folder", 2, "init: /nonexistent/shop is not a folder", _ => ["init", "/nonexistent/shop"]),
        new Case("init with a bad edge port", 2, "--edge-port: 0 is not a port", app => ["init", Path.GetDirectoryName(app.ManifestPath)!, "--edge-port", "0"]),
        new Case("completion for an unknown shell", 2, "completion: \"tcsh\" is not a shell slipway completes", _ => ["completion", "tcsh"]),
        new Case("exec without a command", 2, "exec: no command was given", app => ["exec", "-f", app.ManifestPath]),
        new Case("exec with nothing running", 2, "no replica of", app => ["exec", "-f", app.ManifestPath, "--", "true"]),
        new Case("maintenance with nothing deployed", 2, "is not served here: there is nothing to put in or out of maintenance", _ => ["maintenance", "on"]),
        new Case("maintenance with a message and a page", 2, "maintenance on: --message and --page do not go together", _ => ["maintenance", "on", "--message", "x", "--page", "/etc/hostname"]),
        new Case("maintenance page missing", 2, "--page: no file at /nonexistent/page.html", _ => ["maintenance", "on", "--page", "/nonexistent/page.html"]),
        new Case("a maintenance page outside the project", 2, "--page: /etc/shadow is outside", _ => ["maintenance", "on", "--page", "/etc/shadow"]),
        new Case("a maintenance page that links out of the project", 2, "is outside", app =>
        {
            var link = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "page.html");
            File.CreateSymbolicLink(link, "/proc/self/environ");
            return ["maintenance", "on", "--page", link];
        }),
        new Case("a maintenance page that is a pipe", 2, "is not a regular file", app =>
        {
            var fifo = Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "page.html");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();
            return ["maintenance", "on", "--page", fifo];
        }),
        new Case("a tls certificate that never ends", 2, "edge.tls.certFile: /dev/zero is a kernel or device file", app =>
            Edit(app, $"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  tls:\n    certFile: /dev/zero\n    keyFile: /dev/zero\n")),
        new Case("a metrics port that is the app's own", 2, "edge.metricsPort: is the app's own port",
            app => Edit(app, $"  port: {app.Port}\n", $"  port: {app.Port}\n  metricsPort: {app.Port}\n")),
        new Case("a tls key that is not the certificate's", 2, "the key is not the certificate's own", app =>
        {
            app.UseTls("bad.test", (TestCertificates.Create("bad.test").Certificate, TestCertificates.Create("other.test").Key));
            return ["up"];
        }),
        new Case("an expired tls certificate", 2, "the certificate expired on", app =>
        {
            app.UseTls("old.test", TestCertificates.Create("old.test", DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1)));
            return ["up"];
        }),
        new Case("a tls certificate for another host", 2, "is for other.test, not edge.host mine.test",
            app => { app.UseTls("mine.test", TestCertificates.Create("other.test")); return ["up"]; }),
        new Case("a tls file that is not there", 2, "edge.tls.certFile: no file at", app =>
            Edit(app, $"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  tls:\n    certFile: nowhere.crt\n    keyFile: nowhere.key\n")),
        new Case("a canary share out of range", 2, "--canary: 150 is not a whole percentage from 1 to 99", _ => ["up", "--canary", "150"]),
        new Case("a canary time that is no duration", 2, "--for: soon is not a duration", _ => ["up", "--canary", "10", "--for", "soon"]),
        new Case("a canary setting without a canary", 2, "--max-error-rate applies to a canary only", _ => ["up", "--max-error-rate", "2%"]),
        new Case("a canary with nothing in progress", 1, "no canary of", _ => ["rollout", "promote"]),
        new Case("a tls form that is none", 2, "edge.tls: \"letsencrypt\" is not a form of TLS", app =>
            Edit(app, $"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  tls: letsencrypt\n")),
        new Case("acme without a host name", 2, "edge.tls.acme: needs edge.host", app =>
            Edit(app, $"edge:\n  port: {app.Port}\n", $"edge:\n  port: {app.Port}\n  tls:\n    acme:\n      directory: https://acme.test/dir\n      email: ops@shop.test\n")),
        new Case("a user that is no user name or id", 2, "user: \"root; rm -rf /\" is not a user name, uid or uid:gid", app => Append(app, "user: \"root; rm -rf /\"\n")),
        new Case("missing manifest", 2, "no manifest at", _ => ["up", "-f", "/nonexistent/slipway.yaml"]),
        new Case("manifest is a folder", 2, "no manifest at", app => ["up", "-f", Path.GetDirectoryName(app.ManifestPath)!]),
        new Case("malformed YAML", 2, "malformed YAML", app => Append(app, "  - : [unclosed\n")),
        new Case("unknown key", 2, "replica: unknown key", app => Append(app, "replica: 3\n")),
        new Case("wrong type: number", 2, "replicas: \"many\" is not a whole number", app => Edit(app, "replicas: 2", "replicas: many")),
        new Case("wrong type: list for a mapping", 2, "healthCheck: must be a mapping of keys", app => Edit(app, "healthCheck:", "healthCheck: [a]\nhealthCheckWas:")),
        new Case("bad duration", 2, "healthCheck.interval: \"soon\" is not a duration", app => Edit(app, "interval: 300ms", "interval: soon")),
        new Case("port out of range", 2, "port: 0 is out of range", app => Edit(app, "port: 8000", "port: 0")),
        new Case("invalid app name", 2, "is not a valid app name", app => Edit(app, $"app: {app.Name}", "app: My_App")),
        new Case("missing Dockerfile", 2, "no Dockerfile at", app => Append(app, "build:\n  dockerfile: nowhere/Dockerfile\n")),
        new Case("a file that is not a Dockerfile", 2, "build.dockerfile: /etc/passwd is not a Dockerfile", app => Append(app, "build:\n  dockerfile: /etc/passwd\n")),
        new Case("unknown git ref", 2, "\"no-such-tag\" is not a branch, tag or commit", app => Edit(app, "  subdirectory: app", "  subdirectory: app\n  ref: no-such-tag")),
        new Case("source path missing", 2, "source.path: no folder at", app => Edit(app, "path: ../repo", "path: ../nothing-here")),
        new Case("source path not a repository", 2, "is not a git repository", app => Edit(app, "path: ../repo", "path: .")),
        new Case("subdirectory missing", 2, "source.subdirectory: \"nowhere\" does not exist", app => Edit(app, "subdirectory: app", "subdirectory: nowhere")),
        new Case("unreachable repository", 1, "cannot clone file:///nonexistent/repo.git", app => Edit(app, "path: ../repo\n  subdirectory: app", "git: file:///nonexistent/repo.git")),
        new Case("secret not set", 2, "secrets.API_TOKEN: environment variable BAD_INPUT_UNSET_TOKEN is not set", app => Append(app, "secrets:\n  API_TOKEN:\n    fromEnv: BAD_INPUT_UNSET_TOKEN\n")),
        new Case("no engine", 1, "no container engine answers at unix:///nonexistent/docker.sock", _ => ["up"],
            new() { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" }),
        new Case("malformed DOCKER_HOST", 2, "DOCKER_HOST: \"ftp://engine\" is not an engine address", _ => ["up"], new() { ["DOCKER_HOST"] = "ftp://engine" }),
        new Case("unwritable state directory", 1, "cannot write the state directory", _ => ["up"], new() { ["SLIPWAY_STATE_DIR"] = "/etc/hostname/state" }),
        new Case("unknown environment", 2, "unknown environment \"prod\"", _ => ["up", "-e", "prod"]),
        new Case("destroy without a terminal or --yes", 2, "needs confirmation", _ => ["destroy"]),
        new Case("rollback with nothing deployed", 2, "has no previous release", _ => ["rollback", "--no-check"]),
        new Case("unknown option", 2, "--replicas", _ => ["up", "--replicas", "3"]),
        new Case("duration too long to hold", 2, "drain: \"99999999999999999999h\" is not a duration", app => Edit(app, "drain: 2s", "drain: 99999999999999999999h")),
        new Case("drain out of range", 2, "drain: 11m is out of range", app => Edit(app, "drain: 2s", "drain: 11m")),
        new Case("host name with an empty label", 2, "edge.host: \"a..b\" is not a valid host name", app => Edit(app, "edge:\n", "edge:\n  host: a..b\n")),
        new Case("host name with a port", 2, "edge.host: \"shop.localhost:80\" is not a valid host name", app => Edit(app, "edge:\n", "edge:\n  host: shop.localhost:80\n")),
        new Case("a list as a key", 2, "a key must be a plain name", app => Append(app, "env:\n  [a, b]: c\n")),
        new Case("billion laughs as a key", 2, "a key must be a plain name", app => Append(app,
            "x: &a [l,l,l,l,l,l,l,l,l]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nenv:\n  ? *c\n  : 1\n")),
        new Case("typo in an environment not chosen", 2, "replica: unknown key", app => Append(app, "environments:\n  production:\n    replica: 3\n")),
        new Case("unknown platform in an environment not chosen", 2, "environments.staging.platform: \"k8s\" is not a platform", app => Append(app, "environments:\n  staging:\n    platform: k8s\n")),
        new Case("environment overriding the app name", 2, "environments.staging.app: cannot be overridden", app => Append(app, "environments:\n  staging:\n    app: other\n")),
        new Case("health path to another host", 2, "healthCheck.path: \"//127.0.0.1:1/\" must be an absolute path", app => Edit(app, "path: /\n", "path: //127.0.0.1:1/\n")),
        new Case("health path without a slash", 2, "healthCheck.path: \"healthz\" must be an absolute path", app => Edit(app, "path: /\n", "path: healthz\n")),
        new Case("unknown nested key", 2, "healthCheck.intervall: unknown key", app => Edit(app, "interval: 300ms", "intervall: 300ms")),
        new Case("replicas out of range", 2, "replicas: 0 is out of range", app => Edit(app, "replicas: 2", "replicas: 0")),
        new Case("container port too large", 2, "port: 70000 is out of range", app => Edit(app, "port: 8000", "port: 70000")),
        new Case("edge port out of range", 2, "edge.port: 0 is out of range", app => Edit(app, $"port: {app.Port}", "port: 0")),
        new Case("check tries out of range", 2, "check.tries: 0 is out of range", app => Edit(app, "tries: 10", "tries: 0")),
        new Case("duplicate key", 2, "malformed YAML: Duplicate key", app => Append(app, "replicas: 3\n")),
        new Case("empty manifest", 2, "the manifest must be a mapping of keys", app => { File.WriteAllText(app.ManifestPath, ""); return ["up"]; }),
        new Case("manifest is a list", 2, "the manifest must be a mapping of keys", app => { File.WriteAllText(app.ManifestPath, "- app: x\n"); return ["up"]; }),
        new Case("both git and path", 2, "needs exactly one of git: (a URL) or path:", app => Edit(app, "  path: ../repo", "  path: ../repo\n  git: https://example.invalid/r.git")),
        new Case("subdirectory climbing out", 2, "source.subdirectory: must be a relative path inside the repository", app => Edit(app, "subdirectory: app", "subdirectory: ../etc")),
        new Case("invalid env variable name", 2, "env.1BAD: is not a valid environment variable name", app => Append(app, "env:\n  1BAD: x\n")),
        new Case("secret also in env", 2, "secrets.API_TOKEN: is also set in env", app => Append(app, "env:\n  API_TOKEN: x\nsecrets:\n  API_TOKEN:\n    fromEnv: X\n")),
        new Case("secret file missing", 2, "secrets.API_TOKEN: no file at", app => Append(app, "secrets:\n  API_TOKEN:\n    fromFile: nowhere.txt\n")),
        new Case("secret with a NUL byte", 2, "secrets.API_TOKEN: the value holds a NUL byte", app =>
        {
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(app.ManifestPath)!, "token.txt"), "abc\0def");
            return Append(app, "secrets:\n  API_TOKEN:\n    fromFile: token.txt\n");
        }),
        new Case("releases with a negative count", 2, "--limit: -1 is not a positive number", _ => ["releases", "-n", "-1"]),
        new Case("logs with a negative tail", 2, "--tail: -5 is negative", app => ["logs", "--tail", "-5", "-m", app.ManifestPath]),
        new Case("logs with a bad --since", 2, "--since: \"yesterday\" is not a duration", app => ["logs", "--since", "yesterday", "-m", app.ManifestPath]),
        new Case("git URL that is an option", 1, "cannot clone --upload-pack=", app => Edit(app, "path: ../repo\n  subdirectory: app", "git: \"--upload-pack=true\"")),
        new Case("health interval too short", 2, "healthCheck.interval: 1ms is out of range", app => Edit(app, "interval: 300ms", "interval: 1ms")),
        new Case("health timeout not a duration", 2, "healthCheck.timeout: \"soon\" is not a duration", app => Edit(app, "timeout: 1s", "timeout: soon")),
        new Case("healthy threshold out of range", 2, "healthCheck.healthyThreshold: 0 is out of range", app => Edit(app, "healthyThreshold: 2", "healthyThreshold: 0")),
        new Case("a ref that is an option", 2, "source.ref: \"--help\" is not a branch, tag or commit", app => Edit(app, "  subdirectory: app", "  subdirectory: app\n  ref: \"--help\"")),
        new Case("build args as a list", 2, "build.args: must be a mapping of keys", app => Append(app, "build:\n  args: [a]\n")),
        new Case("port as a list", 2, "port: must be a single value", app => Edit(app, "port: 8000", "port: [8000]")),
        new Case("unknown hook", 2, "hooks.preBild: unknown key", app => Append(app, "hooks:\n  preBild: echo\n")),
        new Case("secret with no source", 2, "secrets.API_TOKEN", app => Append(app, "secrets:\n  API_TOKEN: {}\n")),
        new Case("destroy of an unknown environment", 2, "unknown environment \"nope\"", _ => ["destroy", "--yes", "-e", "nope"]),
        new Case("subdirectory that links out of the repository", 2, "source.subdirectory: \"web\" leads to", app =>
        {
            Directory.CreateSymbolicLink(Path.Combine(app.Repo.Path, "web"), "/etc");
            app.Repo.Commit("web links out");
            return Edit(app, "subdirectory: app", "subdirectory: web");
        }),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_one_clear_line_with_a_hint_and_changes_nothing(Case bad)
    {
        await using var app = new LocalApp("bad");
        var args = bad.Setup(app);
        if (!args.Contains("-f") && !args.Contains("-m") && args[0] is not ("init" or "completion" or "dashboard" or "import")) args = [.. args, "-f", app.ManifestPath]; // these need no manifest

        var result = await app.Cli.RunAsync(args, bad.Env, TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == bad.ExitCode, $"expected exit {bad.ExitCode}, got {result.ExitCode}: {result.All}");
        var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains(bad.Message, error);
        Assert.Contains("\nhint: ", "\n" + result.Stderr);
        Assert.Empty(result.Stdout);
        Assert.DoesNotContain("root:x:0:0", result.Stderr); // no line of a file outside the tree is ever quoted
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
        Assert.False(File.Exists(Path.Combine(app.Cli.StateDirectory, "edge", "control.sock")), "an edge proxy was started");
        var sources = Path.Combine(app.Cli.StateDirectory, "sources");
        Assert.False(Directory.Exists(sources) && Directory.EnumerateFileSystemEntries(sources).Any(), "a clone cache was left behind");
    }

    [Fact]
    public async Task A_port_taken_by_another_program_is_refused_before_anything_starts()
    {
        await using var app = new LocalApp("port");
        using var squatter = new TcpListener(IPAddress.Loopback, app.Port);
        squatter.Start();

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: edge.port: port {app.Port} is in use by another program", result.Stderr);
        Assert.Contains("hint: ", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
        Assert.False(File.Exists(Path.Combine(app.Cli.StateDirectory, "edge", "control.sock")), "an edge proxy was started");
    }

    [Fact]
    public async Task A_metrics_port_taken_by_another_program_is_refused_before_the_build()
    {
        await using var app = new LocalApp("metricsport");
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var text = File.ReadAllText(app.ManifestPath);
        File.WriteAllText(app.ManifestPath, text.Replace($"  port: {app.Port}\n", $"  port: {app.Port}\n  metricsPort: {taken}\n"));

        var result = await app.RunAsync("up");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: edge.metricsPort: port {taken} is in use by another program", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
        Assert.Empty(await app.ImagesAsync());
    }

    [Fact]
    public async Task An_edge_that_holds_its_lock_but_does_not_answer_is_not_taken_for_another_program()
    {
        await using var app = new LocalApp("busy");
        var edgeDirectory = Path.Combine(app.Cli.StateDirectory, "edge");
        Directory.CreateDirectory(edgeDirectory);
        // A stuck edge: its instance lock is held, its port is bound, its control socket never answers.
        using var instanceLock = new FileStream(Path.Combine(edgeDirectory, "edge.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var port = new TcpListener(IPAddress.Loopback, app.Port);
        port.Start();

        var result = await app.RunAsync("up");

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("the edge proxy is running", error);
        Assert.DoesNotContain("another program", result.Stderr);
        Assert.Empty(await app.ContainersAsync());
    }

    /// <summary>Every command and subcommand, walked from the CLI's own command tree so a new one cannot be missed.</summary>
    public static TheoryData<string> Commands()
    {
        var all = new TheoryData<string>();
        void Walk(System.CommandLine.Command command, string path)
        {
            foreach (var sub in command.Subcommands)
            {
                var name = (path + " " + sub.Name).Trim();
                all.Add(name);
                Walk(sub, name);
            }
        }
        Walk(Slipway.Cli.Program.CreateRoot(BuiltInPlatforms.Catalog), "");
        return all;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_is_everywhere(string command)
    {
        var cli = new SlipwayCli(Path.GetTempPath());
        var result = await cli.RunAsync([.. command.Split(' '), "--help"], null, TestContext.Current.CancellationToken);

        result.Succeeded();
        Assert.Contains($"Usage:\n  slipway {command}", result.Stdout.Replace("\r", ""));
        Assert.Contains("Options:", result.Stdout);
        Assert.Empty(result.Stderr);
    }
}


[Trait("Tier", "unit")]
public sealed class AwsAppScriptTests
{
    [Theory]
    [InlineData("--help", 0, "./aws-app.sh --destroy")]
    [InlineData("--deploy-everything", 2, "error: unknown argument '--deploy-everything'")]
    public async Task The_original_interface_explains_itself_and_refuses_unknown_arguments(string argument, int exitCode, string expected)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "aws-app.sh"), argument])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken)
                     + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(exitCode, process.ExitCode);
        Assert.Contains(expected, output);
    }
}
