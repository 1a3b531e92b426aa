using System.Net;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>The bridge a network's pods hang off, with the gateway address on it.</summary>
public static class NodeBridge
{
    /// <summary>
    /// Creates the bridge or adopts an existing one; "already there and compatible" is success, so a
    /// restarted daemon (or two racing starts) end with the same single bridge.
    /// </summary>
    public static Link Ensure(RouteNetlink node, NetworkDefinition network)
    {
        var bridge = node.GetLink(network.Bridge);
        if (bridge is null)
        {
            try
            {
                // A fixed MAC keeps the bridge's address from following whichever port has the lowest one.
                node.CreateBridge(network.Bridge, network.Mtu, MacAddress.Random(), up: true);
            }
            catch (NetlinkException e) when (e.IsExists)
            {
            }
            bridge = node.GetLink(network.Bridge)
                ?? throw new InvalidOperationException($"bridge {network.Bridge} vanished right after it was created");
        }
        if (bridge.Kind != "bridge")
            throw new ConfigException($"network \"{network.Name}\": interface {network.Bridge} exists and is a {bridge.Kind ?? "device of unknown kind"}, not a bridge");
        if (bridge.Mtu != network.Mtu)
            node.SetMtu(bridge.Index, network.Mtu);
        if (!bridge.IsUp)
            node.SetUp(bridge.Index);

        var gateway = new InterfaceAddress(network.Gateway, network.Subnet.PrefixLength);
        if (!node.DumpAddresses(bridge.Index).Any(a => a.Address == gateway))
        {
            try
            {
                node.AddAddress(bridge.Index, gateway);
            }
            catch (NetlinkException e) when (e.IsExists)
            {
            }
        }
        return node.GetLink(bridge.Index) ?? throw new InvalidOperationException($"bridge {network.Bridge} vanished");
    }

    /// <summary>Whether the bridge is there, up, and carries the gateway: what ADD needs.</summary>
    public static string? Problem(RouteNetlink node, NetworkDefinition network)
    {
        var bridge = node.GetLink(network.Bridge);
        if (bridge is null)
            return $"bridge {network.Bridge} does not exist";
        if (bridge.Kind != "bridge")
            return $"interface {network.Bridge} is a {bridge.Kind ?? "device of unknown kind"}, not a bridge";
        if (!bridge.IsUp)
            return $"bridge {network.Bridge} is down";
        var gateway = new InterfaceAddress(network.Gateway, network.Subnet.PrefixLength);
        if (!node.DumpAddresses(bridge.Index).Any(a => a.Address == gateway))
            return $"bridge {network.Bridge} lacks the gateway address {gateway}";
        return null;
    }

    public static InterfaceAddress PodAddress(NetworkDefinition network, IPAddress address) =>
        new(address, network.Subnet.PrefixLength);
}
