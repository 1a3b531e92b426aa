using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Particle.Daemon.Cluster;

/// <summary>
/// Runs a store's snapshot producer and hands the reader only the newest membership: a channel of one,
/// oldest dropped, so a slow reader gets the current state, never a backlog. The producer is stopped and
/// awaited when the reader stops reading, <paramref name="cancel"/> fires or the store is <paramref name="stopping"/>.
/// </summary>
internal static class LatestSnapshots
{
    public static async IAsyncEnumerable<IReadOnlyList<NodeLease>> StreamAsync(
        Func<ChannelWriter<IReadOnlyList<NodeLease>>, CancellationToken, Task> produce,
        CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopping);
        var snapshots = Channel.CreateBounded<IReadOnlyList<NodeLease>>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true });
        Task producer = Task.Run(() => produce(snapshots.Writer, stop.Token));
        try
        {
            while (await NextAsync(snapshots.Reader, stop.Token) is { } snapshot)
                yield return snapshot;
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
    }

    private static async Task<IReadOnlyList<NodeLease>?> NextAsync(ChannelReader<IReadOnlyList<NodeLease>> reader, CancellationToken cancel)
    {
        try
        {
            return await reader.WaitToReadAsync(cancel) && reader.TryRead(out var snapshot) ? snapshot : null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
