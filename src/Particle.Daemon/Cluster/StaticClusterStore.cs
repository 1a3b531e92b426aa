using System.Runtime.CompilerServices;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Cluster;

/// <summary>
/// Membership from a file every node reads (<see cref="StaticClusterFile"/>): subnets are assigned by
/// whoever writes it, VTEP MACs are derived (<see cref="VtepMac"/>), and nothing is exchanged. The file
/// is re-read when it changes (polled: a rename-over, an in-place edit and a remount are all seen alike).
/// </summary>
public sealed class StaticClusterStore(StaticClusterSettings settings, TimeSpan? pollInterval = null) : IClusterStore
{
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(250);
    private volatile ClusterStoreHealth _health = new(false, null, null);

    public ClusterStoreHealth Health => _health;

    public Task<NodeLease> JoinAsync(ClusterJoin join, CancellationToken cancel)
    {
        var leases = Read();
        var mine = leases.FirstOrDefault(l => l.Node == join.Node && l.Network == join.Network)
            ?? throw new ClusterStoreException(leases.Any(l => l.Node == join.Node)
                ? $"{settings.File}: node {join.Node} has no subnet for network {join.Network}"
                : $"{settings.File}: node {join.Node} is not listed");
        if (!mine.Underlay.Equals(join.Underlay))
            throw new ClusterStoreException($"{settings.File}: node {join.Node} is listed with underlay {mine.Underlay}, but this node's underlay is {join.Underlay}");
        if (mine.Subnet.PrefixLength != join.NodeSubnetLength || !join.ClusterCidr.Contains(mine.Subnet.BaseAddress))
            throw new ClusterStoreException($"{settings.File}: node {join.Node}'s subnet {mine.Subnet} in network {join.Network} is not a /{join.NodeSubnetLength} of {join.ClusterCidr}");
        if (!mine.VtepMac.Equals(join.VtepMac))
            throw new ClusterStoreException($"node {join.Node}: the static backend derives VTEP MACs; expected {mine.VtepMac}, got {join.VtepMac}");
        return Task.FromResult(mine);
    }

    public async IAsyncEnumerable<IReadOnlyList<NodeLease>> WatchAsync(string network, [EnumeratorCancellation] CancellationToken cancel)
    {
        byte[]? seen = null;
        using var timer = new PeriodicTimer(_poll);
        do
        {
            byte[] bytes;
            IReadOnlyList<NodeLease> leases;
            try
            {
                bytes = await File.ReadAllBytesAsync(settings.File, cancel);
                if (seen is not null && bytes.AsSpan().SequenceEqual(seen))
                    continue;
                leases = Parse(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ClusterStoreException)
            {
                // A file being rewritten or briefly missing is no evidence that anyone left: keep quiet.
                _health = _health with { Connected = false, LastError = e.Message };
                continue;
            }
            seen = bytes;
            yield return leases.Where(l => l.Network == network).ToList();
        }
        while (await WaitAsync(timer, cancel));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private IReadOnlyList<NodeLease> Read()
    {
        try
        {
            return Parse(File.ReadAllBytes(settings.File));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _health = _health with { Connected = false, LastError = e.Message };
            throw new ClusterStoreException($"cannot read {settings.File}: {e.Message}", e);
        }
    }

    private IReadOnlyList<NodeLease> Parse(byte[] bytes)
    {
        try
        {
            var leases = StaticClusterFile.Parse(bytes, settings.File);
            _health = new ClusterStoreHealth(true, DateTimeOffset.UtcNow, null);
            return leases;
        }
        catch (ClusterStoreException e)
        {
            _health = _health with { Connected = false, LastError = e.Message };
            throw;
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancel)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
