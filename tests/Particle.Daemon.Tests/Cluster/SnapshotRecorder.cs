using System.Diagnostics;
using Particle.Daemon.Cluster;

namespace Particle.Daemon.Tests.Cluster;

/// <summary>Follows a store's WatchAsync in the background and keeps every snapshot it emitted.</summary>
internal sealed class SnapshotRecorder : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long Timestamp, IReadOnlyList<NodeLease> Leases)> _snapshots = [];
    private readonly Task _loop;

    public SnapshotRecorder(IClusterStore store, string network)
    {
        _loop = Task.Run(async () =>
        {
            await foreach (IReadOnlyList<NodeLease> snapshot in store.WatchAsync(network, _stop.Token))
            {
                lock (_snapshots)
                {
                    _snapshots.Add((Stopwatch.GetTimestamp(), snapshot));
                }
            }
        });
    }

    /// <summary>Every snapshot with its Stopwatch timestamp.</summary>
    public IReadOnlyList<(long Timestamp, IReadOnlyList<NodeLease> Leases)> All
    {
        get
        {
            lock (_snapshots)
            {
                return _snapshots.ToList();
            }
        }
    }

    /// <summary>The Stopwatch timestamp of the first snapshot that listed <paramref name="node"/>.</summary>
    public long FirstSeen(string node) => All.First(s => s.Leases.Any(l => l.Node == node)).Timestamp;

    public IReadOnlyList<NodeLease>? Latest => All is { Count: > 0 } all ? all[^1].Leases : null;

    /// <summary>Waits (bounded) until the latest snapshot satisfies <paramref name="condition"/>; the snapshot.</summary>
    public async Task<IReadOnlyList<NodeLease>> WaitForAsync(Func<IReadOnlyList<NodeLease>, bool> condition, TimeSpan timeout, string what)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (Latest is { } latest && condition(latest))
            {
                return latest;
            }
            if (_loop.IsCompleted)
            {
                await _loop;   // surfaces the watch's failure
                throw new InvalidOperationException("the watch ended");
            }
            await Task.Delay(50);
        }
        string last = Latest is { } l ? string.Join(", ", l.Select(x => $"{x.Node}={x.Subnet}")) : "(none)";
        throw new TimeoutException($"no snapshot where {what} within {timeout.TotalSeconds} s; last: {last}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
