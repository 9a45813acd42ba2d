// The fault tests compare how many scrapes loops complete in the same period; on a 2-core
// machine other test classes running alongside would only add noise.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
