using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.Daemon.Metrics;
using Particle.Daemon.Pool;
using Particle.Netlink;

namespace Particle.Daemon.Attachments;

/// <summary>
/// Start-up recovery and periodic housekeeping: the kernel and the journal brought back into agreement,
/// level-triggered, so that whatever a crash interrupted ends the same way — an address is held exactly
/// while its attachment's host end lives.
/// </summary>
public sealed class Housekeeping(DaemonSettings settings, IpamStore ipam, RouteNetlink node, IPodDataPlane dataPlane,
    KeyedLocks locks, ILogger log)
{
    /// <summary>
    /// Before any request is served: every network's node side in place, addresses of attachments that
    /// vanished while the daemon was away released, devices of ADDs that never answered removed, DELs noted
    /// by the plugin carried out, and the pods that remain routed again.
    /// </summary>
    public void Recover(EndpointPools endpoints, Graveyard graveyard)
    {
        foreach (var warning in ipam.RecoveryWarnings)
            log.LogWarning("journal: {Warning}", warning);
        foreach (var network in settings.Networks.Values)
        {
            dataPlane.EnsureNetwork(network);
            log.LogInformation("network {Network}: gateway {Gateway}/{Prefix} on {Device}, pods {First}-{Last}",
                network.Name, network.Gateway, network.Subnet.PrefixLength, network.GatewayDevice, network.Range.First, network.Range.Last);
        }
        // Pairs a DEL retired before a crash: their addresses are already released.
        graveyard.DeleteAll();
        ReleaseVanished(out var links);
        RemoveOrphans(links);
        CarryOutPendingDeletes();
        endpoints.Recover(node, dataPlane);
        ipam.Compact();
    }

    /// <summary>After the pools' own recovery: every surviving pod's route and neighbour entry, e.g. after an upgrade from the bridge.</summary>
    public void Reroute(NamespacePools pools)
    {
        var links = node.DumpLinks();
        foreach (var network in settings.Networks.Values)
        {
            int repaired = dataPlane.Reconcile(network, LivePods(network, pools), links);
            if (repaired > 0)
                log.LogInformation("network {Network}: {Count} pod route or neighbour entries put in place", network.Name, repaired);
        }
    }

    /// <summary>Periodic: the networks' node side repaired, notes left by the plugin, attachments whose namespace died without a DEL.</summary>
    public void Sweep(NamespacePools pools)
    {
        var broken = RepairNetworks();
        CarryOutPendingDeletes();
        ReleaseVanished(out var links, broken, pools);
        pools.Sweep(links);
        foreach (var network in settings.Networks.Values.Where(n => !broken.Contains(n.Name)))
        {
            int repaired = dataPlane.Reconcile(network, LivePods(network, pools), links);
            if (repaired > 0)
            {
                log.LogWarning("network {Network}: {Count} pod route or neighbour entries repaired", network.Name, repaired);
                DaemonEvents.Record(EventKinds.Network, network.Name, null, $"{repaired} pod route or neighbour entries repaired", error: true);
            }
        }
    }

    /// <summary>Allocations whose pod should be routed: committed or being wired (an ADD in flight keeps its route).</summary>
    private List<LivePod> LivePods(NetworkDefinition network, NamespacePools pools)
    {
        var pods = ipam.List(network.Name)
            .Where(a => !EndpointPool.IsEntry(a.Id) && !pools.Owns(a.Id))
            .Select(a => new LivePod(HostVethName.For(a.Id), a.Address, null, a.Netns, a.Id.IfName))
            .ToList();
        pods.AddRange(pools.LivePods(network.Name));
        return pods;
    }

    /// <summary>
    /// A gateway device that was deleted (or lost its address, or went down) is put back. Returns the
    /// networks whose device could not be repaired: their pods are left alone until it is.
    /// </summary>
    private HashSet<string> RepairNetworks()
    {
        var broken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var network in settings.Networks.Values)
        {
            if (dataPlane.Problem(network) is not { } problem)
                continue;
            try
            {
                dataPlane.EnsureNetwork(network);
                log.LogWarning("network {Network}: {Problem}; repaired", network.Name, problem);
                DaemonEvents.Record(EventKinds.Network, network.Name, network.GatewayDevice, $"{problem}; repaired", error: true);
            }
            catch (Exception e) when (e is NetlinkException or ConfigException or InvalidOperationException or IOException)
            {
                // One network must not stop the rest of housekeeping; /readyz keeps saying why.
                broken.Add(network.Name);
                if (e is NetlinkException netlink)
                    NetlinkMetrics.Failed(netlink);
                log.LogWarning("network {Network}: {Problem}; repairing it failed, will retry: {Error}", network.Name, problem, e.Message);
                DaemonEvents.Record(EventKinds.Network, network.Name, network.GatewayDevice, $"{problem}; repair failed: {e.Message}", error: true);
            }
        }
        return broken;
    }

    /// <summary>
    /// Releases committed addresses whose host end is gone: the kernel removes a veth pair when the namespace
    /// of either end dies, whatever path the runtime gave (/proc/PID/ns/net dies with the task while a bind
    /// mount can keep the namespace). Pool entries are left to their pools: releasing the address of an entry
    /// a pool still lists could hand it out twice; endpoint pool entries own no device by design.
    /// </summary>
    private void ReleaseVanished(out IReadOnlyList<Link> links, IReadOnlySet<string>? skip = null, NamespacePools? pools = null)
    {
        links = node.DumpLinks();
        var present = links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        foreach (var allocation in ipam.List().Where(a => a.Committed && pools?.Owns(a.Id) != true && !EndpointPool.IsEntry(a.Id) && skip?.Contains(a.Id.Network) != true))
        {
            string hostName = HostVethName.For(allocation.Id);
            if (dataPlane.IsAlive(present.GetValueOrDefault(hostName)))
                continue;
            using var held = locks.AcquireAsync(allocation.Id).GetAwaiter().GetResult();
            // Looked up again under the lock: the dump may predate an ADD or DEL that just finished.
            if (ipam.Find(allocation.Id) != allocation || dataPlane.IsAlive(node.GetLink(hostName)))
                continue;
            ipam.Release(allocation);
            log.LogInformation("{Id}: released {Address}: its interface is gone (namespace removed without DEL)",
                allocation.Id, allocation.Address);
        }
    }

    /// <summary>Removes pod devices that no allocation accounts for: ADDs cut short by a crash.</summary>
    public void RemoveOrphans(IReadOnlyList<Link> links)
    {
        var expected = ipam.List().Select(a => HostVethName.For(a.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var link in links.Where(l => dataPlane.IsPodDevice(l) && !expected.Contains(l.Name)))
        {
            dataPlane.Remove(link.Name);
            log.LogInformation("removed orphaned interface {Name} (an ADD that never answered)", link.Name);
        }
    }

    private void CarryOutPendingDeletes()
    {
        var errors = new List<string>();
        foreach (var note in PendingDelete.ReadAll(settings.StateDir, errors))
        {
            using (locks.AcquireAsync(note.Id).GetAwaiter().GetResult())
            {
                // A note only covers what existed when it was written: an ADD of the same key that came
                // after it (nerdctl sends DEL before every ADD) keeps its address.
                if (ipam.Find(note.Id) is { } allocation && allocation.CreatedAt < note.WrittenAt)
                {
                    dataPlane.Remove(HostVethName.For(note.Id));
                    ipam.Release(allocation);
                    log.LogInformation("{Id}: released {Address} for a DEL noted while the daemon was away", note.Id, allocation.Address);
                }
                note.Remove();
            }
        }
        foreach (var error in errors)
            log.LogWarning("pending DEL note dropped: {Error}", error);
    }
}
