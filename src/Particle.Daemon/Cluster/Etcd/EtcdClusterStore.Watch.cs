using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Particle.Daemon.Cluster.Etcd;

// Watching a network: read all its subnet keys (one snapshot, at revision R), then follow a watch from
// R + 1 and emit a fresh snapshot after every batch of events. When the stream breaks (etcd stopped, the
// member went silent, the revision was compacted) the last snapshot stands, and the same read-then-watch
// starts over with a bounded backoff; nothing is emitted until a read succeeds again.
public sealed partial class EtcdClusterStore
{
    /// <summary>How often a watch checks that the member it streams from still answers (a silent partition
    /// does not close the TCP connection).</summary>
    private static readonly TimeSpan WatchProbeInterval = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    public async IAsyncEnumerable<IReadOnlyList<NodeLease>> WatchAsync(string network, [EnumeratorCancellation] CancellationToken cancel)
    {
        var snapshots = LatestSnapshots.StreamAsync((writer, token) => ProduceSnapshotsAsync(network, writer, token), _stopping.Token);
        await foreach (var snapshot in snapshots.WithCancellation(cancel))
            yield return snapshot;
    }

    private async Task ProduceSnapshotsAsync(string network, ChannelWriter<IReadOnlyList<NodeLease>> writer, CancellationToken cancel)
    {
        string keyPrefix = SubnetPlan.KeyPrefixOf(_options.Prefix, network);
        byte[] key = EtcdClient.Utf8(keyPrefix);
        byte[] end = SubnetPlan.PrefixRangeEnd(key);
        TimeSpan delay = FirstRetryDelay;
        bool interrupted = false;
        string? lastError = null;
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                try
                {
                    RangeResponse range = await _client.RangeAsync(key, end, cancel);
                    var leases = new Dictionary<string, NodeLease>(StringComparer.Ordinal);
                    foreach (KeyValue kv in range.Kvs ?? [])
                    {
                        if (ToLease(network, keyPrefix, kv) is { } lease)
                        {
                            leases[Encoding.UTF8.GetString(kv.Key)] = lease;
                        }
                    }
                    writer.TryWrite(Snapshot(leases));
                    if (interrupted)
                    {
                        _log.LogInformation("etcd: watch of network {Network} resumed ({Count} nodes)", network, leases.Count);
                    }
                    interrupted = false;
                    delay = FirstRetryDelay;
                    await FollowAsync(network, keyPrefix, key, end, (range.Header?.Revision ?? 0) + 1, leases, writer, cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    if (!interrupted || e.Message != lastError)
                    {
                        _log.LogWarning("etcd: watch of network {Network} interrupted: {Error}; keeping the last membership and retrying",
                            network, e.Message);
                    }
                    interrupted = true;
                    lastError = e.Message;
                    await Task.Delay(delay, cancel);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // stopped
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Follows a watch from <paramref name="startRevision"/>, applying events to <paramref name="leases"/>.
    /// Returns when etcd cancelled the watch (compaction), so the caller reads the network afresh; throws when the
    /// stream broke.</summary>
    private async Task FollowAsync(string network, string keyPrefix, byte[] key, byte[] end, long startRevision,
        Dictionary<string, NodeLease> leases, ChannelWriter<IReadOnlyList<NodeLease>> writer, CancellationToken cancel)
    {
        using var streamCancel = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        (Uri endpoint, HttpResponseMessage response) = await _client.OpenWatchAsync(
            new WatchRequest(new WatchCreateRequest(key, end, startRevision)), cancel);
        using (response)
        {
            Task probe = ProbeAsync(endpoint, streamCancel);
            try
            {
                await using Stream stream = await response.Content.ReadAsStreamAsync(streamCancel.Token);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (true)
                {
                    string? line = await reader.ReadLineAsync(streamCancel.Token)
                        ?? throw new IOException($"etcd at {endpoint} closed the watch stream");
                    if (string.IsNullOrWhiteSpace(line))
                    {
                        continue;
                    }
                    StreamEnvelope<WatchResponse>? envelope = JsonSerializer.Deserialize(line, EtcdJsonContext.Default.StreamEnvelopeWatchResponse);
                    if (envelope?.Error is { } error)
                    {
                        throw new EtcdRequestException(error.Code, $"etcd watch: {error.Message ?? error.Error}");
                    }
                    if (envelope?.Result is not { } watch)
                    {
                        continue;
                    }
                    if (watch.Canceled && watch.CompactRevision == 0 && !string.IsNullOrEmpty(watch.CancelReason))
                    {
                        // Refused at creation (etcd checks permissions and the token then): not worth an immediate
                        // retry with the same token, which the caller's backoff and a fresh token take care of.
                        if (watch.CancelReason.Contains("invalid auth token", StringComparison.Ordinal))
                        {
                            _client.InvalidateToken(_client.Token);
                        }
                        int code = watch.CancelReason.Contains("permission denied", StringComparison.Ordinal) ? EtcdRequestException.PermissionDenied
                            : watch.CancelReason.Contains("auth token", StringComparison.Ordinal) ? EtcdAuth.InvalidToken
                            : watch.CancelReason.Contains("user name is empty", StringComparison.Ordinal) ? EtcdRequestException.InvalidArgument
                            : 0;
                        EtcdRequestException refusal = _client.Refusal(code, $"etcd refused the watch of network {network}: {watch.CancelReason}");
                        Metrics.ClusterStoreMetrics.Failed("etcd", refusal.Reason ?? "refused");
                        throw refusal;
                    }
                    if (watch.Canceled || watch.CompactRevision > 0)
                    {
                        _log.LogInformation("etcd: watch of network {Network} cancelled by etcd ({Reason}); reading it again",
                            network, watch.CompactRevision > 0 ? $"compacted at {watch.CompactRevision}" : watch.CancelReason);
                        return;
                    }
                    if (watch.Events is not { Count: > 0 } events)
                    {
                        continue;
                    }
                    foreach (WatchEvent change in events)
                    {
                        if (change.Kv is not { } kv)
                        {
                            continue;
                        }
                        string name = Encoding.UTF8.GetString(kv.Key);
                        if (change.Type == "DELETE" || ToLease(network, keyPrefix, kv) is not { } lease)
                        {
                            leases.Remove(name);
                        }
                        else
                        {
                            leases[name] = lease;
                        }
                    }
                    writer.TryWrite(Snapshot(leases));
                }
            }
            finally
            {
                await streamCancel.CancelAsync();
                await probe;
            }
        }
    }

    /// <summary>Cancels the stream when its member stops answering.</summary>
    private async Task ProbeAsync(Uri endpoint, CancellationTokenSource stream)
    {
        try
        {
            while (!stream.IsCancellationRequested)
            {
                await Task.Delay(WatchProbeInterval, stream.Token);
                if (!await _client.PingAsync(endpoint, stream.Token))
                {
                    _log.LogWarning("etcd: {Endpoint} stopped answering; dropping its watch stream", endpoint);
                    await stream.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the stream ended
        }
    }

    private static IReadOnlyList<NodeLease> Snapshot(Dictionary<string, NodeLease> leases) =>
        leases.Values.OrderBy(l => l.Node, StringComparer.Ordinal).ThenBy(l => l.Subnet.ToString(), StringComparer.Ordinal).ToList();
}
