using Particle.Protocol;

namespace Particle.Daemon.Server;

/// <summary>
/// Bounds the work particled takes on at once. A burst larger than the node can serve in time would
/// otherwise pile up as waiting tasks and sockets (memory without bound) and answer so late that the
/// runtimes have given up, each leaving work to undo. Up to <see cref="MaxInFlight"/> requests are
/// served at once; up to <see cref="MaxQueued"/> more wait, each at most <see cref="QueueWait"/>;
/// anything beyond is answered at once with code 11 ("try again later"), before any work is done.
/// DEL is never refused for load (it frees what a refusal would keep), it only waits its turn.
/// </summary>
public sealed class AdmissionGate(int maxInFlight = AdmissionGate.MaxInFlight, int maxQueued = AdmissionGate.MaxQueued, TimeSpan? queueWait = null)
{
    /// <summary>Far above the kernel's useful concurrency (RTNL is one lock); the rest only holds memory.</summary>
    public const int MaxInFlight = 64;
    public const int MaxQueued = 1024;

    /// <summary>Below the plugin's default timeout (10 s), so a queued ADD is answered before the plugin gives up.</summary>
    public static readonly TimeSpan QueueWait = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);
    private readonly TimeSpan _queueWait = queueWait ?? QueueWait;
    private int _waiting;

    /// <summary>Requests waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>A slot to hold while the request is served, or null with the refusal to send.</summary>
    public async ValueTask<(IDisposable? Slot, DaemonResponse? Refusal)> EnterAsync(string verb, CancellationToken cancel)
    {
        if (_slots.Wait(0))
            return (new Slot(_slots), null);

        bool mayRefuse = verb != Verbs.Del;
        if (Interlocked.Increment(ref _waiting) > maxQueued && mayRefuse)
        {
            Interlocked.Decrement(ref _waiting);
            return (null, Busy(verb, $"{maxInFlight} requests in progress and {maxQueued} waiting"));
        }
        try
        {
            if (await _slots.WaitAsync(mayRefuse ? _queueWait : Timeout.InfiniteTimeSpan, cancel))
                return (new Slot(_slots), null);
            return (null, Busy(verb, $"waited {_queueWait.TotalSeconds:0.#}s for one of {maxInFlight} request slots"));
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private static DaemonResponse Busy(string verb, string why) =>
        DaemonResponse.Failure(ErrorCodes.TryAgainLater, $"particled is busy ({why}); {verb} was not started, try again later");

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release();
        }
    }
}
