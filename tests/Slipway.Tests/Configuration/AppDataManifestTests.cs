using Slipway.Configuration;
using Slipway.Foundation;
using Slipway.Tests.Support;

namespace Slipway.Tests.Configuration;

/// <summary><c>volumes:</c>, <c>accessories:</c> and env composed from secrets, as the loader reads and refuses them.</summary>
[Trait("Tier", "unit")]
public sealed class AppDataManifestTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string ManifestPath => Path.Combine(_dir.Path, "slipway.yaml");

    public void Dispose() => _dir.Dispose();

    public AppDataManifestTests()
    {
        _dir.Write("Dockerfile", "FROM scratch\n");
        _dir.Write("postgres/Dockerfile", "FROM scratch\n");
    }

    private const string Head = "app: shop\nsource:\n  git: https://example.invalid/shop.git\n";

    private AppManifest Parse(string yaml) => Manifests.Parse(Head + yaml, ManifestPath);

    [Fact]
    public void Volumes_in_both_forms_and_an_accessory_with_everything_are_read_into_records()
    {
        var app = Parse("""
            replicas: 2
            volumes:
              uploads: { path: /srv/uploads/, shared: true }
            env:
              DATABASE_URL: "postgres://app:${DB_PASSWORD}@db:5432/app"
            secrets:
              DB_PASSWORD: { fromEnv: DB_PASSWORD }
            accessories:
              db:
                build: postgres
                port: 5432
                env: { POSTGRES_USER: app }
                secrets:
                  POSTGRES_PASSWORD: { fromEnv: DB_PASSWORD }
                volumes:
                  data: /var/lib/postgresql/data
                healthCheck: { command: pg_isready, interval: 2s }
                backup: { command: pg_dump app, restore: [psql, app] }
              cache:
                image: redis:7
                command: [redis-server, --appendonly, "yes"]
            """);

        Assert.Equal([new VolumeSpec("uploads", "/srv/uploads", Shared: true)], app.Volumes);
        var db = app.Accessories[0];
        Assert.Equal(("db", null, Path.Combine(_dir.Path, "postgres"), 5432), (db.Name, db.Image, db.Build, db.Port));
        Assert.Equal([new VolumeSpec("data", "/var/lib/postgresql/data")], db.Volumes);
        Assert.Equal(["sh", "-c", "pg_isready"], db.HealthCheck!.Command);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60)), (db.HealthCheck.Interval, db.HealthCheck.StartPeriod));
        Assert.Equal(["psql", "app"], db.Backup!.Restore);
        Assert.Equal("DB_PASSWORD", db.Secrets["POSTGRES_PASSWORD"].FromEnv);
        var cache = app.Accessories[1];
        Assert.Equal(("redis:7", null), (cache.Image, cache.Build));
        Assert.Equal(["redis-server", "--appendonly", "yes"], cache.Command);
    }

    [Theory]
    [InlineData("replicas: 2\nvolumes:\n  data: /data\n", "volumes.data: 2 containers would use it at once", "shared: true")]
    [InlineData("replicas: 1\nprocesses:\n  worker: { command: run }\nvolumes:\n  data: /data\n", "volumes.data: 2 containers would use it at once", "set replicas: 1")]
    [InlineData("volumes:\n  data: data\n", "volumes.data: \"data\" is not an absolute path", "no colon")]
    [InlineData("volumes:\n  data: /a:/b\n", "volumes.data: \"/a:/b\" is not an absolute path", null)]
    [InlineData("volumes:\n  data: /\n", "volumes.data: \"/\" is not an absolute path", null)]
    [InlineData("volumes:\n  data: /srv/../etc\n", "is not an absolute path", null)]
    [InlineData("replicas: 1\nvolumes:\n  a: /data\n  b: /data/\n", "volumes.b: is mounted at /data, as volumes.a is", null)]
    [InlineData("volumes:\n  Data: /data\n", "volumes.Data: is not a valid volume name", null)]
    [InlineData("volumes:\n  data: { shared: true }\n", "volumes.data: needs the path it is mounted at", null)]
    [InlineData("accessories:\n  db: { image: postgres, build: postgres }\n", "accessories.db: needs exactly one of image:", null)]
    [InlineData("accessories:\n  db: {}\n", "accessories.db: needs exactly one of image: (a reference) or build:", null)]
    [InlineData("accessories:\n  db:\n", "accessories.db: needs an image or a build", null)]
    [InlineData("accessories:\n  db: { build: nowhere }\n", "accessories.db.build: no Dockerfile in", null)]
    [InlineData("accessories:\n  db: { image: \"postgres 16\" }\n", "accessories.db.image: \"postgres 16\" is not an image reference", null)]
    [InlineData("accessories:\n  DB: { image: postgres }\n", "accessories.DB: is not a valid accessory name", null)]
    [InlineData("accessories:\n  db: { image: postgres, healthCheck: { interval: 1s } }\n", "accessories.db.healthCheck.command: is required", "pg_isready")]
    [InlineData("accessories:\n  db: { image: postgres, backup: { command: pg_dump } }\n", "accessories.db.backup: needs both command:", null)]
    [InlineData("accessories:\n  db: { image: postgres, ports: 5432 }\n", "accessories.db.ports: unknown key", null)]
    [InlineData("accessories:\n  db: { image: postgres, env: { URL: \"${PASSWORD}\" } }\n", "accessories.db.env.URL: ${PASSWORD} names no secret of this accessory", "$${")]
    [InlineData("accessories:\n  db: { image: postgres, secrets: { P: { fromSsm: /x } } }\n", "accessories.db.secrets.P.fromSsm: an accessory's secret is read by Slipway", null)]
    [InlineData("jobs:\n  nightly: { schedule: \"0 25 * * *\", command: run }\n", "jobs.nightly.schedule: \"0 25 * * *\": hour: \"25\" is not a value from 0 to 23", "five fields")]
    [InlineData("jobs:\n  nightly: { schedule: \"0 3 * *\", command: run }\n", "jobs.nightly.schedule: \"0 3 * *\" has 4 field(s), not 5", "minute hour")]
    [InlineData("jobs:\n  nightly: { schedule: \"0 0 30 2 *\", command: run }\n", "jobs.nightly.schedule: \"0 0 30 2 *\" never fires", "30 February")]
    [InlineData("jobs:\n  nightly: { schedule: \"@daily\", timeZone: Mars/Olympus, command: run }\n", "jobs.nightly.timeZone: \"Mars/Olympus\" is not a time zone", "Europe/Paris")]
    [InlineData("jobs:\n  nightly: { schedule: \"@daily\", command: run, concurrency: sometimes }\n", "jobs.nightly.concurrency: \"sometimes\" is not forbid, allow or replace", null)]
    [InlineData("jobs:\n  nightly: { schedule: \"@daily\" }\n", "jobs.nightly.command: is empty", null)]
    [InlineData("jobs:\n  nightly: { command: run }\n", "jobs.nightly.schedule: is required", null)]
    [InlineData("jobs:\n  Nightly: { schedule: \"@daily\", command: run }\n", "jobs.Nightly: is not a valid job name", null)]
    [InlineData("backups:\n  to: s3://Not_A_Bucket/x\n", "backups.to: \"s3://Not_A_Bucket/x\" is not an S3 location", "s3://bucket/prefix")]
    [InlineData("backups:\n  keep: 0\n", "backups.keep: 0 is out of range (1 to 1000)", null)]
    [InlineData("backups:\n  schedule: \"0 3 * * 8\"\n", "backups.schedule: \"0 3 * * 8\": day-of-week: \"8\" is not a value from 0 to 7", "five fields")]
    [InlineData("backups:\n  timeZone: Europe/Paris\n", "backups.timeZone: is set without a schedule", "give schedule: too")]
    [InlineData("backups:\n  schedule: \"@daily\"\n", "backups.schedule: is set, but the app keeps no data", "declare the data to back up")]
    [InlineData("accessories:\n  db: { image: postgres, backup: { command: pg_dump, restore: psql } }\njobs:\n  backup: { schedule: \"@daily\", command: run }\nbackups:\n  schedule: \"@daily\"\n",
        "jobs.backup: takes the name of the scheduled backup (backups.schedule)", "rename the job")]
    [InlineData("env:\n  URL: \"postgres://${DB_PASSWORD}@db\"\n", "env.URL: ${DB_PASSWORD} names no secret of this app", "declare it under secrets:")]
    public void Bad_data_settings_are_one_line_naming_the_key(string yaml, string message, string? hint)
    {
        var error = Assert.Throws<SlipwayException>(() => Parse(yaml));
        Assert.Contains(message, error.Message);
        Assert.StartsWith("slipway.yaml:", error.Message);
        if (hint is not null) Assert.Contains(hint, error.Hint);
    }

    [Fact]
    public void A_backup_schedule_is_read_in_its_time_zone_and_is_off_by_default()
    {
        var app = Parse("accessories:\n  db: { image: postgres, volumes: { data: /var/lib/postgresql/data } }\nbackups:\n  schedule: \"0 3 * * *\"\n  timeZone: Europe/Paris\n  keep: 14\n");

        Assert.Equal(("0 3 * * *", "Europe/Paris", 14), (app.Backups.Schedule!.Expression, app.Backups.Schedule.TimeZone.Id, app.Backups.Keep));
        Assert.Null(Parse("accessories:\n  db: { image: postgres, volumes: { data: /d } }\n").Backups.Schedule);
    }

    [Fact]
    public void A_job_is_read_with_its_defaults_and_its_time_zone()
    {
        var app = Parse("jobs:\n  nightly: { schedule: \"30 2 * * mon-fri\", timeZone: Europe/Paris, command: [python, report.py], startingDeadline: 1h }\n");

        var job = Assert.Single(app.Jobs);
        Assert.Equal(("nightly", "30 2 * * mon-fri", "Europe/Paris"), (job.Name, job.Schedule.Expression, job.Schedule.TimeZone.Id));
        Assert.Equal((TimeSpan.FromHours(1), JobConcurrency.Forbid, TimeSpan.FromHours(1)), (job.Timeout, job.Concurrency, job.StartingDeadline));
        Assert.Equal(["python", "report.py"], job.Command);
    }

    [Fact]
    public void Backups_go_to_a_bucket_or_a_folder_beside_the_manifest()
    {
        Assert.Equal(new BackupsSpec("s3://shop-backups/prod", 14), Parse("backups:\n  to: s3://shop-backups/prod\n  keep: 14\n").Backups);
        Assert.Equal(new BackupsSpec(Path.Combine(_dir.Path, "backups"), 7), Parse("backups:\n  to: backups\n").Backups);
        Assert.True(S3Location.TryParse("s3://shop-backups/a/b/", out var location));
        Assert.Equal(new S3Location("shop-backups", "a/b/"), location);
        Assert.False(S3Location.TryParse("s3://a..b/x", out _));
    }

    [Fact]
    public void A_single_replica_may_keep_a_volume_of_its_own_and_a_literal_placeholder_is_escaped()
    {
        var app = Parse("replicas: 1\nvolumes:\n  data: /data\nenv:\n  TEMPLATE: \"$${HOME}/x\"\n");

        Assert.Equal([new VolumeSpec("data", "/data")], app.Volumes);
        Assert.Equal("${HOME}/x", EnvTemplate.Expand(app.Env["TEMPLATE"], new Dictionary<string, string>()));
    }
}

/// <summary>Env values composed from secrets.</summary>
[Trait("Tier", "unit")]
public sealed class EnvTemplateTests
{
    private static readonly Dictionary<string, string> Secrets = new() { ["PW"] = "s3cr$t", ["USER"] = "app" };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("postgres://${USER}:${PW}@db/app", "postgres://app:s3cr$t@db/app")]
    [InlineData("$${PW} stays", "${PW} stays")]
    [InlineData("$PW and ${} and ${MISSING}", "$PW and ${} and ${MISSING}")]
    public void Each_reference_is_replaced_by_its_secret_and_an_escaped_one_is_kept(string value, string expected) =>
        Assert.Equal(expected, EnvTemplate.Expand(value, Secrets));

    [Fact]
    public void References_are_the_names_in_order_without_the_escaped_ones() =>
        Assert.Equal(["A", "B"], EnvTemplate.References("${A}-$${C}-${B}"));
}
