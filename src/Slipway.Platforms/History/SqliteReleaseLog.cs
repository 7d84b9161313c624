using System.Globalization;
using Microsoft.Data.Sqlite;
using Slipway.Foundation;
using Slipway.Foundation.Files;
using Slipway.Platforms.History;

namespace Slipway.Platforms.History;

/// <summary>
/// The release log of local environments: a SQLite file in the (private) state directory. Kept on purpose after
/// <c>destroy</c>: it is the record of what happened.
/// </summary>
public sealed class SqliteReleaseLog(StateDirectory state) : IReleaseLog
{
    private string DatabasePath => Path.Combine(state.Root, "history.db");

    public string Location => DatabasePath;

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            Directory.CreateDirectory(state.Root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SlipwayException(ErrorCode.StateDirUnwritable, $"cannot write the state directory {state.Root}: {e.Message}",
                "set SLIPWAY_STATE_DIR to a writable folder");
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(ct);
        await using var schema = connection.CreateCommand();
        schema.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL; -- a run's record survives Slipway killed; a power loss may lose the last ones, never the file
            CREATE TABLE IF NOT EXISTS releases (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              app TEXT NOT NULL, environment TEXT NOT NULL, platform TEXT NOT NULL, action TEXT NOT NULL,
              version TEXT, previous_version TEXT, started_at TEXT NOT NULL, finished_at TEXT,
              result TEXT NOT NULL, error TEXT, user TEXT NOT NULL, host TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS releases_by_app ON releases (app, environment, id);
            """;
        await schema.ExecuteNonQueryAsync(ct);
        return connection;
    }

    public async Task<long> StartAsync(RunStart run, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO releases (app, environment, platform, action, started_at, result, user, host)
            VALUES ($app, $environment, $platform, $action, $started, 'interrupted', $user, $host);
            SELECT last_insert_rowid();
            """;
        insert.Parameters.AddWithValue("$app", run.App);
        insert.Parameters.AddWithValue("$environment", run.Environment);
        insert.Parameters.AddWithValue("$platform", run.Platform);
        insert.Parameters.AddWithValue("$action", run.Action);
        insert.Parameters.AddWithValue("$started", run.StartedAt.ToString("O"));
        insert.Parameters.AddWithValue("$user", run.User);
        insert.Parameters.AddWithValue("$host", run.Host);
        return (long)(await insert.ExecuteScalarAsync(ct))!;
    }

    public async Task CompleteAsync(long id, RunEnd end, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE releases SET result = $result, version = $version, previous_version = $previous, error = $error, finished_at = $finished
            WHERE id = $id;
            """;
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$result", end.Result);
        update.Parameters.AddWithValue("$version", (object?)end.Version ?? DBNull.Value);
        update.Parameters.AddWithValue("$previous", (object?)end.PreviousVersion ?? DBNull.Value);
        update.Parameters.AddWithValue("$error", (object?)end.Error ?? DBNull.Value);
        update.Parameters.AddWithValue("$finished", end.FinishedAt.ToString("O"));
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every app and environment with a recorded run, with the platform of its last one.</summary>
    public async Task<IReadOnlyList<(string App, string Environment, string Platform)>> AppsAsync(CancellationToken ct)
    {
        if (!File.Exists(DatabasePath)) return [];
        await using var connection = await OpenAsync(ct);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT app, environment, platform FROM releases r
            WHERE id = (SELECT MAX(id) FROM releases WHERE app = r.app AND environment = r.environment)
            ORDER BY app, environment;
            """;
        var apps = new List<(string, string, string)>();
        await using var reader = await query.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) apps.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        return apps;
    }

    public async Task<IReadOnlyList<ReleaseRecord>> ListAsync(string app, string environment, int limit, CancellationToken ct)
    {
        if (!File.Exists(DatabasePath)) return [];
        await using var connection = await OpenAsync(ct);
        await using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT id, app, environment, platform, action, version, previous_version, started_at, finished_at, result, error, user, host
            FROM releases WHERE app = $app AND environment = $environment ORDER BY id DESC LIMIT $limit;
            """;
        query.Parameters.AddWithValue("$app", app);
        query.Parameters.AddWithValue("$environment", environment);
        query.Parameters.AddWithValue("$limit", limit);
        var records = new List<ReleaseRecord>();
        await using var reader = await query.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var started = DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture);
            TimeSpan? duration = reader.IsDBNull(8) ? null : DateTimeOffset.Parse(reader.GetString(8), CultureInfo.InvariantCulture) - started;
            records.Add(new ReleaseRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), started, duration,
                reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(11), reader.GetString(12)));
        }
        return records;
    }

    private const int IoError = 10, Corrupt = 11, Full = 13, NotADatabase = 26;

    /// <summary>
    /// What SQLite's error code says to the user: a full disk (FULL, or an I/O error while the state directory's disk has
    /// no room left, which is what SQLite reports when it cannot grow its journal), a damaged file, or neither.
    /// </summary>
    public static SlipwayException ToUserError(SqliteException e) => e.SqliteErrorCode switch
    {
        Full => DiskFull(e),
        IoError when StateDiskIsFull() => DiskFull(e),
        Corrupt or NotADatabase => new SlipwayException(ErrorCode.StateDirUnwritable, $"the release history is damaged: {e.Message.Split('\n')[0]}",
            "move history.db out of the state directory (slipway starts a new one), then run the command again"),
        // Not damage: an I/O error or a lock. Moving the file out would throw its history away for nothing.
        _ => new SlipwayException(ErrorCode.StateDirUnwritable, $"the release history cannot be used: {e.Message.Split('\n')[0]}",
            "check the state directory's disk and permissions, then run the command again"),
    };

    private static SlipwayException DiskFull(SqliteException e) => new(ErrorCode.StateDirUnwritable, $"the disk is full: {e.Message.Split('\n')[0]}",
        "free some space (docker system prune, old clone caches), then run the command again");

    private static bool StateDiskIsFull()
    {
        try
        {
            var root = StateDirectory.FromEnvironment().Root;
            return new DriveInfo(Directory.Exists(root) ? root : Path.GetTempPath()).AvailableFreeSpace < 1024 * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }
}
