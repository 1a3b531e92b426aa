using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Pool;

/// <summary>The endpoint pools of every network.</summary>
public sealed class EndpointPools
{
    private readonly Dictionary<string, EndpointPool> _pools = new(StringComparer.Ordinal);

    public EndpointPools(DaemonSettings settings, IpamStore ipam, ILogger log)
    {
        foreach (var network in settings.Networks.Values)
            _pools[network.Name] = new EndpointPool(network, ipam, log);
    }

    /// <summary>Adopts or releases the entries the journal holds; run after the attachments' own recovery.</summary>
    public void Recover(RouteNetlink node, Kernel.IPodDataPlane dataPlane)
    {
        var links = node.DumpLinks();
        foreach (var pool in _pools.Values)
            pool.Recover(dataPlane, links);
    }

    public Task FillAsync(CancellationToken stop) =>
        Task.WhenAll(_pools.Values.Select(p => Task.Run(() => p.FillAsync(stop), CancellationToken.None)));

    /// <summary>A ready entry of <paramref name="network"/>'s pool, or null (no pool, or empty).</summary>
    public Allocation? Take(string network) => _pools.TryGetValue(network, out var pool) ? pool.Take() : null;

    public void Return(Allocation entry) => _pools[entry.Id.Network].Return(entry);

    public EndpointPoolStatusInfo? Status(string network) =>
        _pools.TryGetValue(network, out var pool) && pool.Settings.Enabled ? pool.Status() : null;
}
