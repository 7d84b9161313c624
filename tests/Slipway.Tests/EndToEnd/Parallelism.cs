// Three test collections at a time on the two cores this machine kind has: the engine's tests mostly wait on it (builds,
// health checks, drains), so a third keeps both cores busy; the collections that time a claim run alone after them all
// (DisableParallelization), and a test never races a clock (it waits for what it can observe).
[assembly: CollectionBehavior(MaxParallelThreads = 3)]

// The three-node test swarm is formed once per run, by the first test that asks for it (about half a minute each time).
[assembly: AssemblyFixture(typeof(Slipway.Tests.Support.ThreeNodeSwarm))]

// The aws classes' image registry, one for the run: started by the first class that asks.
[assembly: AssemblyFixture(typeof(Slipway.Tests.Support.SharedRegistry))]
