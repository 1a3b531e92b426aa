using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>
/// The node device that holds a network's gateway address, so the gateway is a local address of the node
/// (pods' DNS and other node services answer on it) and the subnet's connected route swallows traffic to
/// addresses no pod holds instead of sending it towards the default route. It is a bridge without ports:
/// the target kernels have no dummy device (CONFIG_DUMMY is off), and a port-less bridge is the device
/// they all have that holds an address while leading nowhere. No pod is ever a port of it.
/// </summary>
public static class GatewayDevice
{
    /// <summary>Creates the device or adopts an existing one; pods a bridge release left on it are moved off first.</summary>
    public static Link Ensure(RouteNetlink node, NetworkDefinition network, ILogger log)
    {
        var device = node.GetLink(network.GatewayDevice);
        if (device is { Kind: "bridge" })
            BridgeUpgrade.Migrate(node, network, device, log);
        if (device is null)
        {
            try
            {
                // The gateway's MAC is fixed (derived from the network) so it survives re-creation.
                node.CreateBridge(network.GatewayDevice, network.Mtu, MacOf(network), up: true);
            }
            catch (NetlinkException e) when (e.IsExists)
            {
            }
            device = node.GetLink(network.GatewayDevice)
                ?? throw new InvalidOperationException($"gateway device {network.GatewayDevice} vanished right after it was created");
        }
        if (device.Kind != "bridge")
            throw new ConfigException($"network \"{network.Name}\": interface {network.GatewayDevice} exists and is a {device.Kind ?? "device of unknown kind"}, not the port-less bridge that holds the gateway");
        if (!device.IsUp)
            node.SetUp(device.Index);

        var gateway = new InterfaceAddress(network.Gateway, network.Subnet.PrefixLength);
        if (!node.DumpAddresses(device.Index).Any(a => a.Address == gateway))
        {
            try
            {
                node.AddAddress(device.Index, gateway);
            }
            catch (NetlinkException e) when (e.IsExists)
            {
            }
        }
        return node.GetLink(device.Index) ?? throw new InvalidOperationException($"gateway device {network.GatewayDevice} vanished");
    }

    /// <summary>
    /// The gateway's MAC, derived from the network's name alone: every pod's host end carries it (it is the
    /// MAC pods have in their permanent neighbour entry for the gateway), the same after a restart.
    /// </summary>
    public static MacAddress MacOf(NetworkDefinition network)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"particle-gateway\0{network.Name}"), hash);
        // Locally administered (bit 1) unicast (bit 0 clear).
        hash[0] = (byte)((hash[0] & 0xfc) | 0x02);
        return MacAddress.FromBytes(hash[..6]);
    }

    /// <summary>Whether the device is there, up, and carries the gateway: what ADD needs.</summary>
    public static string? Problem(RouteNetlink node, NetworkDefinition network)
    {
        var device = node.GetLink(network.GatewayDevice);
        if (device is null)
            return $"gateway device {network.GatewayDevice} does not exist";
        if (device.Kind != "bridge")
            return $"interface {network.GatewayDevice} is a {device.Kind ?? "device of unknown kind"}, not the gateway's port-less bridge";
        if (!device.IsUp)
            return $"gateway device {network.GatewayDevice} is down";
        var gateway = new InterfaceAddress(network.Gateway, network.Subnet.PrefixLength);
        if (!node.DumpAddresses(device.Index).Any(a => a.Address == gateway))
            return $"gateway device {network.GatewayDevice} lacks the gateway address {gateway}";
        return null;
    }
}
