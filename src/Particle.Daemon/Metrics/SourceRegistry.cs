namespace Particle.Daemon.Metrics;

/// <summary>Things that report figures at scrape time (pools, the overlay); registered once, removed on dispose.</summary>
public sealed class SourceRegistry<T> where T : class
{
    private readonly Lock _gate = new();
    private T[] _sources = [];

    public IDisposable Register(T source)
    {
        lock (_gate)
            _sources = [.. _sources, source];
        return new Registration(this, source);
    }

    /// <summary>A snapshot: readers never hold the lock while a source computes.</summary>
    public IReadOnlyList<T> Current => Volatile.Read(ref _sources);

    private void Remove(T source)
    {
        lock (_gate)
            _sources = [.. _sources.Where(s => !ReferenceEquals(s, source))];
    }

    private sealed class Registration(SourceRegistry<T> registry, T source) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                registry.Remove(source);
        }
    }
}
