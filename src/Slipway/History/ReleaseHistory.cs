using Microsoft.Data.Sqlite;
using Slipway.Common;

namespace Slipway.History;

/// <summary>One deploy, rollback or destroy, as <c>slipway releases</c> shows it.</summary>
/// <summary>A run as it finished, for whoever is told of it; <paramref name="Error"/> is already redacted.</summary>
public sealed record CompletedRun(string App, string Environment, string Platform, string Action, string Result, string? Version,
    string? PreviousVersion, TimeSpan Duration, string? Error, ErrorCode? Code);

public sealed record ReleaseRecord(long Id, string App, string Environment, string Platform, string Action, string? Version,
    string? PreviousVersion, DateTimeOffset StartedAt, TimeSpan? Duration, string Result, string? Error, string User, string Host);

/// <summary>
/// The audit trail of every deploy, rollback and destroy, failed ones included, in a SQLite file in the
/// state directory. A run is recorded as started first and completed after, so a killed run shows as
/// "interrupted" rather than vanishing. Kept on purpose after <c>destroy</c>: it is the record of what happened.
/// </summary>
/// <param name="completed">Told of each finished run (after it is recorded), e.g. to notify a webhook; must not throw.</param>
public sealed class ReleaseHistory(StateDirectory state, TimeProvider time, Redactor? redactor = null, Func<CompletedRun, Task>? completed = null)
{
    private readonly Redactor _redactor = redactor ?? new Redactor();

    private string DatabasePath => Path.Combine(state.Root, "history.db");

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

    /// <summary>Records a run as started (result "interrupted" until it completes); returns its id.</summary>
    public async Task<long> StartAsync(string app, string environment, string platform, string action, CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct);
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO releases (app, environment, platform, action, started_at, result, user, host)
            VALUES ($app, $environment, $platform, $action, $started, 'interrupted', $user, $host);
            SELECT last_insert_rowid();
            """;
        insert.Parameters.AddWithValue("$app", app);
        insert.Parameters.AddWithValue("$environment", environment);
        insert.Parameters.AddWithValue("$platform", platform);
        insert.Parameters.AddWithValue("$action", action);
        insert.Parameters.AddWithValue("$started", time.GetUtcNow().ToString("O"));
        insert.Parameters.AddWithValue("$user", System.Environment.UserName);
        insert.Parameters.AddWithValue("$host", System.Environment.MachineName);
        return (long)(await insert.ExecuteScalarAsync(ct))!;
    }

    public async Task CompleteAsync(long id, string result, string? version, string? previousVersion, string? error)
    {
        await using var connection = await OpenAsync(CancellationToken.None);
        await using var update = connection.CreateCommand();
        update.CommandText = """
            UPDATE releases SET result = $result, version = $version, previous_version = $previous, error = $error, finished_at = $finished
            WHERE id = $id;
            """;
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$result", result);
        update.Parameters.AddWithValue("$version", (object?)version ?? DBNull.Value);
        update.Parameters.AddWithValue("$previous", (object?)previousVersion ?? DBNull.Value);
        update.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        update.Parameters.AddWithValue("$finished", time.GetUtcNow().ToString("O"));
        await update.ExecuteNonQueryAsync();
    }

    /// <summary>Newest first.</summary>
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
            var started = DateTimeOffset.Parse(reader.GetString(7), System.Globalization.CultureInfo.InvariantCulture);
            TimeSpan? duration = reader.IsDBNull(8) ? null
                : DateTimeOffset.Parse(reader.GetString(8), System.Globalization.CultureInfo.InvariantCulture) - started;
            records.Add(new ReleaseRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), started, duration,
                reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetString(11), reader.GetString(12)));
        }
        return records;
    }

    /// <summary>Runs <paramref name="work"/> as one recorded run: succeeded with its versions, or failed with the error's first line.</summary>
    /// <param name="whenUnreadable">
    /// For work that must not depend on the history (destroy): told why the history cannot be written, and the
    /// work runs unrecorded. Without it, an unreadable history stops the run before anything changes.
    /// </param>
    public async Task<T> RecordAsync<T>(string app, string environment, string platform, string action,
        Func<Task<T>> work, Func<T, (string Result, string? Version, string? Previous)> describe, CancellationToken ct,
        Action<string>? whenUnreadable = null)
    {
        long? id;
        try
        {
            id = await StartAsync(app, environment, platform, action, ct);
        }
        catch (SqliteException e) when (whenUnreadable is not null)
        {
            whenUnreadable($"the release history {DatabasePath} cannot be read ({e.Message.Split('\n')[0]}): this {action} is not recorded");
            id = null;
        }
        var started = time.GetTimestamp();
        CompletedRun Run(string result, string? version, string? previous, string? error, ErrorCode? code) =>
            new(app, environment, platform, action, result, version, previous, time.GetElapsedTime(started), error, code);
        try
        {
            var value = await work();
            var (result, version, previous) = describe(value);
            if (id is { } row) await CompleteAsync(row, result, version, previous, null);
            if (completed is not null) await completed(Run(result, version, previous, null, null));
            return value;
        }
        catch (Exception e)
        {
            var (result, error) = (e is OperationCanceledException ? "cancelled" : "failed", _redactor.Redact(e.Message.Split('\n')[0].Trim()));
            if (id is { } row) await CompleteAsync(row, result, null, null, error);
            if (completed is not null) await completed(Run(result, null, null, error, (e as SlipwayException)?.Code));
            throw;
        }
    }
}
