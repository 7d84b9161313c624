namespace Slipway.Tests.Support;

/// <summary>
/// A real PostgreSQL server as an accessory (Debian's package in an image on the local base image) and a Flask app that
/// writes rows to it through <c>DATABASE_URL</c>, composed from a secret.
/// </summary>
public static class PostgresApp
{
    public const string PasswordVariable = "PG_TEST_PASSWORD";

    public const string Dockerfile = $"""
        FROM {TestEngine.BaseImage}
        RUN apt-get update && apt-get install -y --no-install-recommends postgresql && rm -rf /var/lib/apt/lists/* \
            && mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data && chmod 700 /var/lib/postgresql/data
        COPY entrypoint.sh /entrypoint.sh
        ENV PGDATA=/var/lib/postgresql/data PATH=/usr/lib/postgresql/15/bin:$PATH
        STOPSIGNAL SIGINT
        USER postgres
        ENTRYPOINT ["sh", "/entrypoint.sh"]
        """;

    /// <summary>Makes the cluster on first start (an empty volume), then runs the server in the foreground.</summary>
    public const string Entrypoint = """
        set -e
        if [ $# -gt 0 ]; then exec "$@"; fi
        if [ ! -s "$PGDATA/PG_VERSION" ]; then
          printf '%s' "$POSTGRES_PASSWORD" > /tmp/pw
          initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pw --auth-local=trust --auth-host=scram-sha-256 >/dev/null
          rm /tmp/pw
          echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
          pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
          createdb -h /tmp -U "$POSTGRES_USER" "$POSTGRES_DB"
          pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
        fi
        exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
        """;

    public const string AppDockerfile = $"""
        FROM {TestEngine.BaseImage}
        RUN apt-get update && apt-get install -y --no-install-recommends python3-psycopg2 && rm -rf /var/lib/apt/lists/*
        WORKDIR /app
        COPY . /app
        USER nobody
        CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "app:app"]
        """;

    public const string FlaskApp = """
        import os, psycopg2
        from flask import Flask
        app = Flask(__name__)
        VERSION = os.environ.get("SLIPWAY_VERSION", "dev")
        def query(sql, *args):
            connection = psycopg2.connect(os.environ["DATABASE_URL"], connect_timeout=5)
            try:
                with connection, connection.cursor() as cursor:
                    cursor.execute("create table if not exists rows (text text)")
                    cursor.execute(sql, args)
                    return cursor.fetchall() if cursor.description else []
            finally:
                connection.close()
        @app.get("/")
        def index():
            return f"version {VERSION}\n"
        @app.post("/rows/<text>")
        def add(text):
            query("insert into rows values (%s)", text)
            return "ok\n"
        @app.get("/rows")
        def rows():
            return ",".join(r[0] for r in query("select text from rows order by text")) + "\n"
        """;

    /// <summary>The manifest's part: the secret, the composed URL, and the accessory with its volume, check and backup.</summary>
    public static string Manifest(string extraAccessory = "") => $$"""
        env:
          DATABASE_URL: "postgresql://app:${DB_PASSWORD}@db:5432/app"
        secrets:
          DB_PASSWORD: { fromEnv: {{PasswordVariable}} }
        accessories:
          db:
            build: postgres
            port: 5432
            env: { POSTGRES_USER: app, POSTGRES_DB: app }
            secrets:
              POSTGRES_PASSWORD: { fromEnv: {{PasswordVariable}} }
            volumes:
              data: /var/lib/postgresql/data
            healthCheck:
              command: pg_isready -h 127.0.0.1 -U app -d app
              interval: 500ms
              startPeriod: 60s
            backup:
              command: pg_dump -h /tmp -U app --create --clean --if-exists app
              restore: psql -h /tmp -U app -d postgres -v ON_ERROR_STOP=1 -q
        {{extraAccessory}}
        """;

    /// <summary>An app ready to deploy with a database beside it: its source, its Dockerfile and the database's folder.</summary>
    /// <returns>The app, and the version of its source that writes to the database.</returns>
    public static (LocalApp App, string Version) Create(string prefix, string password)
    {
        var app = new LocalApp(prefix, cliEnvironment: new Dictionary<string, string> { [PasswordVariable] = password });
        app.Repo.Write("app/app.py", FlaskApp);
        var version = app.Repo.Commit("an app with a database");
        var deploy = Path.GetDirectoryName(app.ManifestPath)!;
        File.WriteAllText(Path.Combine(deploy, "Dockerfile"), AppDockerfile);
        Directory.CreateDirectory(Path.Combine(deploy, "postgres"));
        File.WriteAllText(Path.Combine(deploy, "postgres", "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(deploy, "postgres", "entrypoint.sh"), Entrypoint.Replace("\r\n", "\n"));
        app.WriteManifest(extra: Manifest());
        return (app, version);
    }

    /// <summary>Writes a row through the app (a POST the app turns into an INSERT).</summary>
    public static async Task AddRowAsync(LocalApp app, string text)
    {
        using var response = await Http.Client.PostAsync(new Uri(app.Url, $"/rows/{text}"), null, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Every row the app reads back, in order, joined by commas.</summary>
    public static async Task<string> RowsAsync(LocalApp app) => (await app.GetAsync("/rows")).Body.Trim();
}
