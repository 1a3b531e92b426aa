namespace Particle.Daemon.Attachments;

/// <summary>
/// Serialises operations on the same attachment (an ADD racing a GC, a DEL retried by an impatient
/// runtime) while different attachments proceed in parallel. Striped: a fixed set of semaphores, so
/// nothing grows with the number of containers ever seen.
/// </summary>
public sealed class KeyedLocks
{
    private readonly SemaphoreSlim[] _stripes;

    public KeyedLocks(int stripes = 256)
    {
        _stripes = new SemaphoreSlim[stripes];
        for (int i = 0; i < stripes; i++)
            _stripes[i] = new SemaphoreSlim(1, 1);
    }

    public async Task<IDisposable> AcquireAsync<TKey>(TKey key, CancellationToken cancel = default) where TKey : notnull
    {
        var stripe = _stripes[(int)((uint)key.GetHashCode() % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancel);
        return new Releaser(stripe);
    }

    private sealed class Releaser(SemaphoreSlim stripe) : IDisposable
    {
        private SemaphoreSlim? _stripe = stripe;

        public void Dispose() => Interlocked.Exchange(ref _stripe, null)?.Release();
    }
}
