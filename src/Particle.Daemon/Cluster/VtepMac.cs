using System.Security.Cryptography;
using System.Text;
using Particle.Netlink;

namespace Particle.Daemon.Cluster;

/// <summary>
/// The MAC of a node's VXLAN device in a network, derived from the pair (node, network) alone: every
/// node computes every peer's MAC itself, so a backend without a place to publish it (the static file)
/// needs no exchange, and a restarted node comes back with the MAC its peers already programmed.
/// </summary>
public static class VtepMac
{
    public static MacAddress For(string node, string network)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"particle-vtep\0{node}\0{network}"), hash);
        // Locally administered (bit 1) unicast (bit 0 clear): never a vendor's address, never multicast.
        hash[0] = (byte)((hash[0] & 0xfc) | 0x02);
        return MacAddress.FromBytes(hash[..6]);
    }
}
