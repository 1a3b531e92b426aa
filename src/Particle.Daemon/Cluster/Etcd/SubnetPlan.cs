using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// A cluster CIDR cut into node subnets of one length, and how those subnets are named in etcd:
/// <c>&lt;prefix&gt;/networks/&lt;network&gt;/subnets/10.244.3.0-24</c>.
/// </summary>
internal sealed class SubnetPlan
{
    /// <summary>At most 2^20 node subnets per network, so a scan over them stays cheap.</summary>
    private const int MaxSubnetBits = 20;

    private readonly uint _base;

    public SubnetPlan(string prefix, string network, IPNetwork clusterCidr, int nodeSubnetLength)
    {
        if (clusterCidr.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ClusterStoreException($"network {network}: cluster CIDR {clusterCidr} is not IPv4");
        }
        if (nodeSubnetLength < clusterCidr.PrefixLength || nodeSubnetLength > 30)
        {
            throw new ClusterStoreException(
                $"network {network}: node subnet length /{nodeSubnetLength} must lie between the cluster CIDR's /{clusterCidr.PrefixLength} and /30");
        }
        if (nodeSubnetLength - clusterCidr.PrefixLength > MaxSubnetBits)
        {
            throw new ClusterStoreException(
                $"network {network}: {clusterCidr} in /{nodeSubnetLength} subnets is more than 2^{MaxSubnetBits} node subnets");
        }
        if (network.Length == 0 || network.Contains('/'))
        {
            throw new ClusterStoreException($"network name '{network}' cannot be used in an etcd key");
        }
        ClusterCidr = clusterCidr;
        SubnetLength = nodeSubnetLength;
        Count = 1 << (nodeSubnetLength - clusterCidr.PrefixLength);
        _base = BinaryPrimitives.ReadUInt32BigEndian(clusterCidr.BaseAddress.GetAddressBytes());
        KeyPrefix = KeyPrefixOf(prefix, network);
    }

    public IPNetwork ClusterCidr { get; }

    public int SubnetLength { get; }

    public int Count { get; }

    /// <summary>Every subnet key of the network starts with this.</summary>
    public string KeyPrefix { get; }

    public IPNetwork Subnet(int index)
    {
        uint address = _base + ((uint)index << (32 - SubnetLength));
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        return new IPNetwork(new IPAddress(bytes), SubnetLength);
    }

    public bool Contains(IPNetwork subnet) =>
        subnet.PrefixLength == SubnetLength && subnet.BaseAddress.AddressFamily == AddressFamily.InterNetwork
        && ClusterCidr.Contains(subnet.BaseAddress);

    public string Key(IPNetwork subnet) => $"{KeyPrefix}{subnet.BaseAddress}-{subnet.PrefixLength}";

    public static string KeyPrefixOf(string prefix, string network) => $"{prefix}/networks/{network}/subnets/";

    /// <summary>The subnet a key names, or null for a key that is not a subnet key under <paramref name="keyPrefix"/>.</summary>
    public static IPNetwork? ParseKey(string keyPrefix, string key)
    {
        if (!key.StartsWith(keyPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        string name = key[keyPrefix.Length..];
        int dash = name.LastIndexOf('-');
        if (dash < 0 || !IPAddress.TryParse(name.AsSpan(0, dash), out IPAddress? address)
            || !int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int length)
            || address.AddressFamily != AddressFamily.InterNetwork || length is < 0 or > 32)
        {
            return null;
        }
        var subnet = new IPNetwork(address, length);
        return subnet.BaseAddress.Equals(address) ? subnet : null;   // host bits set: not a name this store writes
    }

    /// <summary>
    /// Free subnets in the order this node tries them: from a starting point derived from the node and
    /// network names onwards, wrapping once. Nodes racing to join start at different places, so they
    /// rarely collide, and a node that lost its state still tends to land where it was before.
    /// </summary>
    public IEnumerable<IPNetwork> FreeCandidates(string node, string network, IReadOnlySet<IPNetwork> taken)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{network}/{node}"));
        int start = (int)(BinaryPrimitives.ReadUInt32BigEndian(hash) % (uint)Count);
        for (int i = 0; i < Count; i++)
        {
            IPNetwork subnet = Subnet((start + i) % Count);
            if (!taken.Contains(subnet))
            {
                yield return subnet;
            }
        }
    }

    /// <summary>The end of the key range holding every key that starts with <paramref name="prefix"/> (etcd's prefix query).</summary>
    public static byte[] PrefixRangeEnd(byte[] prefix)
    {
        byte[] end = (byte[])prefix.Clone();
        for (int i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        return [0];   // every key
    }
}
