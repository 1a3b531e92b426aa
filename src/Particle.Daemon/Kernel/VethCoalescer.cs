using Microsoft.Extensions.Logging;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>
/// Coalesces the veth creations of concurrent ADDs: whoever finds no batch in flight sends its own
/// request at once (a lone ADD waits for nothing: there is no gather window), and every creation that
/// arrives meanwhile is queued and sent with the next batch, many RTM_NEWLINK in one sendmsg, each with
/// its own outcome. One batch is in flight at a time and it holds one kernel slot, so a burst puts one
/// creation stream on RTNL instead of one per client. Measured gain per creation in docs/performance.md.
/// </summary>
public sealed class VethCoalescer(RouteNetlink node, SemaphoreSlim kernelSlots, ILogger log)
{
    private readonly Lock _gate = new();
    private List<(VethSpec Spec, TaskCompletionSource Done)> _queue = [];
    private bool _draining;
    private long _batches;
    private long _created;

    /// <summary>Batches sent and creations in them (their ratio is the coalescing achieved).</summary>
    public (long Batches, long Creations) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _created));

    /// <summary>Creates the pair; throws the kernel's error for this creation alone.</summary>
    public async Task CreateAsync(VethSpec spec)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool drain;
        lock (_gate)
        {
            _queue.Add((spec, done));
            drain = !_draining;
            _draining = true;
        }
        if (drain)
        {
            // The caller that found no batch in flight sends one itself, its own creation included: no thread
            // hand-off on the way (each costs a scheduling delay on a busy node). Whatever queued meanwhile
            // goes to a background drainer, so this ADD is not held up by later ones.
            await SendQueuedAsync();
            bool more;
            lock (_gate)
            {
                more = _queue.Count > 0;
                _draining = more;
            }
            if (more)
                _ = Task.Run(DrainAsync);
        }
        await done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _draining = false;
                    return;
                }
            }
            await SendQueuedAsync();
        }
    }

    /// <summary>Sends everything queued now in one batch and completes each creation's task.</summary>
    private async Task SendQueuedAsync()
    {
        List<(VethSpec Spec, TaskCompletionSource Done)> batch;
        lock (_gate)
        {
            batch = _queue;
            _queue = [];
        }
        if (batch.Count == 0)
            return;
        await kernelSlots.WaitAsync();
        try
        {
            var requests = node.Batch();
            foreach (var (spec, _) in batch)
                requests.CreateVeth(spec);
            var outcomes = requests.CommitEach();
            for (int i = 0; i < batch.Count; i++)
            {
                if (outcomes[i] is { } error)
                    batch[i].Done.TrySetException(error);
                else
                    batch[i].Done.TrySetResult();
            }
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _created, batch.Count);
            if (batch.Count > 1)
                log.LogDebug("coalesced {Count} veth creations into one sendmsg", batch.Count);
        }
        catch (Exception e)
        {
            foreach (var (_, done) in batch)
                done.TrySetException(e);
        }
        finally
        {
            kernelSlots.Release();
        }
    }
}
