using System.Net;
using System.Net.Sockets;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Overlay;

/// <summary>The node's interface towards the other nodes: VXLAN packets leave from its address, and its MTU less the
/// encapsulation is what pods get.</summary>
public sealed record Underlay(IPAddress Address, int LinkIndex, string LinkName, int Mtu)
{
    /// <summary>Finds the configured underlay address or interface on this node.</summary>
    public static Underlay Resolve(RouteNetlink node, ClusterSettings cluster)
    {
        var addresses = node.DumpAddresses();
        if (cluster.UnderlayAddress is IPAddress wanted)
        {
            var entry = addresses.FirstOrDefault(a => a.Address.Address.Equals(wanted))
                ?? throw new ConfigException($"cluster: underlayAddress {wanted} is not an address of any interface of this node");
            var link = node.GetLink(entry.Index) ?? throw new ConfigException($"cluster: the interface of {wanted} vanished");
            return new Underlay(wanted, link.Index, link.Name, link.Mtu);
        }
        var named = node.GetLink(cluster.UnderlayInterface!)
            ?? throw new ConfigException($"cluster: underlayInterface {cluster.UnderlayInterface} does not exist");
        var first = addresses.FirstOrDefault(a => a.Index == named.Index && a.Address.Family == AddressFamily.InterNetwork)
            ?? throw new ConfigException($"cluster: underlayInterface {named.Name} has no IPv4 address");
        return new Underlay(first.Address.Address, named.Index, named.Name, named.Mtu);
    }
}
