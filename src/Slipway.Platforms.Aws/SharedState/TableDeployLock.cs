using System.Text.Json;
using Slipway.Cloud.Aws;
using Slipway.Foundation;

namespace Slipway.Platforms.Aws.SharedState;

/// <summary>
/// The deploy lock of an aws environment, shared by every machine and CI job: a lease in the state table,
/// taken with a conditional write (only if there is none, or the one there has lapsed), renewed while the run
/// lasts, and deleted at the end. A holder killed with -9 cannot delete it: its lease lapses and the next run takes it over.
/// </summary>
/// <remarks>Lapsing is judged by each machine's clock: the lease is long enough (a minute) for ordinary clock skew.</remarks>
public sealed class TableDeployLock(StateTable table, string stackName, string app, string environment, LeaseTiming? timing = null) : IDeployLock
{
    private const string LockKey = "lock";
    private readonly LeaseTiming _timing = timing ?? LeaseTiming.Default;

    private IReadOnlyDictionary<string, AttributeValue> Key => DynamoDbClient.Key(StateTable.PartitionOf(stackName), LockKey);
    private StateTable Table => table;
    private DynamoDbClient Dynamo => table.Client;
    private DateTimeOffset Now => table.Time.GetUtcNow();

    public async Task<IDeployLockHold> AcquireAsync(bool wait, Action<LockHolder?> onWait, Action<LockHolder> onInterrupted, CancellationToken ct)
    {
        await table.EnsureAsync(ct);
        var waited = false;
        while (true)
        {
            var leaseId = Guid.NewGuid().ToString("N");
            var holder = LockHolder.Current(Now, System.Environment.GetEnvironmentVariable) with { LeaseUntil = Now + _timing.Length };
            try
            {
                var previous = await Dynamo.PutAsync(table.Name, Item(holder, leaseId), new Condition(
                    "attribute_not_exists(#pk) OR #until < :now",
                    new Dictionary<string, string> { ["#pk"] = DynamoDbClient.PartitionKey, ["#until"] = "leaseUntil" },
                    new Dictionary<string, AttributeValue> { [":now"] = AttributeValue.Of(Now.ToUnixTimeMilliseconds()) }), ct);
                if (previous is { Count: > 0 } && HolderOf(previous) is { } lapsed) onInterrupted(lapsed);
                return new Lease(this, leaseId);
            }
            catch (AwsServiceException e) when (e.Code == DynamoDbClient.ConditionFailed)
            {
                // A write that reached DynamoDB but whose answer was lost is retried, and then finds itself there.
                var item = await Dynamo.GetAsync(table.Name, Key, ct);
                if (item is not null && StateTable.Text(item, "leaseId") == leaseId) return new Lease(this, leaseId);
                var current = item is { Count: > 0 } ? HolderOf(item) : null;
                if (!wait)
                    throw new SlipwayException(ErrorCode.LockHeld,
                        $"another slipway run is working on {app} ({environment}): {current?.ToString() ?? "holder unknown"}",
                        "wait for it to finish, or run without --no-wait to wait; a killed run's lease lapses within a minute");
                if (!waited) onWait(current);
                waited = true;
                await Task.Delay(_timing.RetryEvery, table.Time, ct);
            }
        }
    }

    public async Task<LockState> InspectAsync(CancellationToken ct)
    {
        if (!await table.ExistsAsync(ct)) return new LockState(false, null);
        var holder = await ReadAsync(ct);
        return holder is null ? new LockState(false, null) : new LockState(holder.LeaseUntil >= Now, holder);
    }

    public async Task<string> ReleaseAbandonedAsync(CancellationToken ct)
    {
        var (held, holder) = await InspectAsync(ct);
        if (holder is null) return "free: no run holds the lock";
        if (held)
            throw new SlipwayException(ErrorCode.LockHeld, $"the lock of {app} ({environment}) is held by a live run: {holder}",
                $"wait for it to finish; if its process died, its lease lapses at {holder.LeaseUntil:u} and the next run takes the lock over");
        try
        {
            await Dynamo.DeleteAsync(table.Name, Key, new Condition("#until < :now", new Dictionary<string, string> { ["#until"] = "leaseUntil" },
                new Dictionary<string, AttributeValue> { [":now"] = AttributeValue.Of(Now.ToUnixTimeMilliseconds()) }), ct);
        }
        catch (AwsServiceException e) when (e.Code == DynamoDbClient.ConditionFailed)
        {
            throw new SlipwayException(ErrorCode.LockHeld, $"the lock of {app} ({environment}) was taken by another run meanwhile",
                "see slipway lock status");
        }
        return $"released the lapsed lease of a run that died: {holder}";
    }

    private async Task<LockHolder?> ReadAsync(CancellationToken ct) =>
        await Dynamo.GetAsync(table.Name, Key, ct) is { Count: > 0 } item ? HolderOf(item) : null;

    private Dictionary<string, AttributeValue> Item(LockHolder holder, string leaseId) => new(Key)
    {
        ["app"] = AttributeValue.Of(app),
        ["holder"] = AttributeValue.Of(JsonSerializer.Serialize(holder with { LeaseUntil = null }, LockHolderJson.Default.LockHolder)),
        ["leaseId"] = AttributeValue.Of(leaseId),
        ["leaseUntil"] = AttributeValue.Of(holder.LeaseUntil!.Value.ToUnixTimeMilliseconds()),
    };

    private static LockHolder? HolderOf(IReadOnlyDictionary<string, AttributeValue> item)
    {
        try
        {
            var holder = StateTable.Text(item, "holder") is { } text ? JsonSerializer.Deserialize(text, LockHolderJson.Default.LockHolder) : null;
            return holder is null || StateTable.Number(item, "leaseUntil") is not { } until ? holder
                : holder with { LeaseUntil = DateTimeOffset.FromUnixTimeMilliseconds(until) };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A held lease: renewed in the background until disposed, then deleted (only if it is still ours).</summary>
    private sealed class Lease : IDeployLockHold
    {
        private readonly TableDeployLock _lock;
        private readonly string _id;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        public Lease(TableDeployLock leaseLock, string id)
        {
            _lock = leaseLock;
            _id = id;
            _renewing = RenewAsync(_stop.Token);
        }

        private Condition Ours() => new("#lease = :lease", new Dictionary<string, string> { ["#lease"] = "leaseId" },
            new Dictionary<string, AttributeValue> { [":lease"] = AttributeValue.Of(_id) });

        private async Task RenewAsync(CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(_lock._timing.RenewEvery, _lock.Table.Time, ct);
                    var until = _lock.Now + _lock._timing.Length;
                    await _lock.Dynamo.UpdateAsync(_lock.Table.Name, _lock.Key, "SET #until = :until", new Condition("#lease = :lease",
                        new Dictionary<string, string> { ["#lease"] = "leaseId", ["#until"] = "leaseUntil" },
                        new Dictionary<string, AttributeValue> { [":lease"] = AttributeValue.Of(_id), [":until"] = AttributeValue.Of(until.ToUnixTimeMilliseconds()) }), ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (AwsServiceException e) when (e.Code == DynamoDbClient.ConditionFailed)
                {
                    return; // taken over after it lapsed: nothing left to renew
                }
                catch (Exception e) when (e is AwsServiceException or HttpRequestException)
                {
                    // Transient: the next tick tries again, well before the lease lapses.
                }
            }
        }

        public Task ForgetAsync(CancellationToken ct) => Task.CompletedTask; // disposing deletes it

        /// <summary>Not shared through the table: the stage is shown on the machine running the deploy.</summary>
        public void ReportStage(string stage)
        {
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _renewing;
            _stop.Dispose();
            try
            {
                await _lock.Dynamo.DeleteAsync(_lock.Table.Name, _lock.Key, Ours(), CancellationToken.None);
            }
            catch (AwsServiceException e) when (e.Code == DynamoDbClient.ConditionFailed)
            {
                // Someone took it over after it lapsed: it is theirs now.
            }
        }
    }
}

/// <summary>How long a lease lasts, how often its holder renews it, and how often a waiting run tries again.</summary>
public sealed record LeaseTiming(TimeSpan Length, TimeSpan RenewEvery, TimeSpan RetryEvery)
{
    public static readonly LeaseTiming Default = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(2));
}
