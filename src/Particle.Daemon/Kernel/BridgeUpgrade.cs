using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>
/// Releases up to the bridge data plane hung pods off a bridge with the network's device name, the device
/// that now holds the gateway without ports. Upgrading, each host end of ours leaves the bridge and takes
/// the bridge's MAC (the address every such pod has cached for its gateway, so it keeps sending to the
/// right MAC) and the pods' device group. Their routes and neighbour entries are added by the data
/// plane's reconcile right after, and their host ends answer ARP for the pods' old on-link peers by proxy.
/// A crash half-way leaves a bridge with fewer ports, which the next start migrates the same way.
/// </summary>
public static class BridgeUpgrade
{
    public static void Migrate(RouteNetlink node, NetworkDefinition network, Link bridge, ILogger log)
    {
        var ports = node.DumpLinks().Where(l => l.MasterIndex == bridge.Index).ToList();
        var ours = ports.Where(p => p.Kind == "veth" && HostVethName.IsOurs(p.Name)).ToList();
        if (ours.Count == 0)
            return;
        foreach (var port in ours)
        {
            var batch = node.Batch().SetMaster(port.Index, 0);
            if (bridge.Mac is { } mac && port.Mac != mac)
                batch.SetDown(port.Index).SetMac(port.Index, mac);
            batch.SetGroup(port.Index, PodKernel.Group).SetUp(port.Index);
            batch.Commit();
        }
        // Ports that are not pods of ours belong to whoever put them there: they stay.
        log.LogWarning("network {Network}: migrated bridge {Bridge} to routed pods: {Moved} pod interface(s) moved off it, {Other} other port(s) left alone",
            network.Name, bridge.Name, ours.Count, ports.Count - ours.Count);
    }
}
