namespace Slipway.Tests.EndToEnd;

// How the tests that use the container engine share the machine's two cores. Pure tests and the in-process
// edge tests run beside everything. Three tests at a time (Parallelism.cs): most of an engine test's time is spent
// waiting on the engine (a build, a health check, a drain), not on a core; whatever times a claim runs alone.

/// <summary>
/// Rollouts under load, rejections that wait out a start period, kills at chosen points: they run alone, after
/// the parallel collections, so no other test's image build shares the CPU with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "timing-sensitive";
}

/// <summary>End-to-end runs of the CLI with no timing at stake (their deadlines are generous): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}

/// <summary>The engine client, accessories, backups, jobs and the security tests: one at a time, beside the end-to-end ones.</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection
{
    public const string Name = "engine";
}

/// <summary>The aws platform on moto (each class its own moto and registry): one at a time, beside the others.</summary>
[CollectionDefinition(Name)]
public sealed class AwsCollection
{
    public const string Name = "aws-on-moto";
}

/// <summary>Bad input changes nothing and builds nothing: beside the others.</summary>
[CollectionDefinition(Name)]
public sealed class BadInputCollection
{
    public const string Name = "bad-input";
}

/// <summary>Restarts the machine's container engine, so no other test may use it meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineRestartCollection
{
    public const string Name = "engine-restart";
}
