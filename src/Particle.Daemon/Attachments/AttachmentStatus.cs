using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.Daemon.Metrics;
using Particle.Daemon.Pool;
using Particle.Protocol;

namespace Particle.Daemon.Attachments;

/// <summary>The read-only views of the node's attachments: LIST, NODESTATUS and the endpoint pool gauges.</summary>
public sealed class AttachmentStatus(DaemonSettings settings, IpamStore ipam, EndpointPools endpoints,
    Graveyard graveyard, IPodDataPlane dataPlane, Func<NamespacePools> pools)
{
    public DaemonResponse List(string? network) => new()
    {
        Allocations = ipam.List(string.IsNullOrEmpty(network) ? null : network)
            .Select(a => new AllocationInfo
            {
                Network = a.Id.Network,
                ContainerId = a.Id.ContainerId,
                IfName = a.Id.IfName,
                Address = a.Address.ToString(),
                Netns = a.Netns,
                HostInterface = HostVethName.For(a.Id),
                Committed = a.Committed,
            })
            .OrderBy(a => a.Network, StringComparer.Ordinal).ThenBy(a => a.ContainerId, StringComparer.Ordinal)
            .ToList(),
    };

    /// <summary>The endpoint pools' levels; in use counts the network's attachments, pooled or not.</summary>
    public IEnumerable<PoolLevel> EndpointPoolLevels() =>
        settings.Networks.Keys
            .Select(name => (name, status: endpoints.Status(name)))
            .Where(n => n.status is not null)
            .Select(n => new PoolLevel(n.name, PoolKinds.Endpoint, n.status!.Free, AttachmentsInUse(n.name), n.status.Target));

    public DaemonResponse Node()
    {
        var status = pools().Status();
        foreach (var network in status.Networks ?? [])
        {
            network.EndpointPool = endpoints.Status(network.Name);
            network.AttachmentsInUse = AttachmentsInUse(network.Name);
            network.RetiredPending = graveyard.Pending;
            (network.VethBatches, network.VethCreations) = dataPlane.Counts;
        }
        return NodeStatusView.Enrich(status, settings, dataPlane);
    }

    private int AttachmentsInUse(string network) =>
        ipam.List(network).Count(a => !EndpointPool.IsEntry(a.Id) && !pools().Owns(a.Id));
}
