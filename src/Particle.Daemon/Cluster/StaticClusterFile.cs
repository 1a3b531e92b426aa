using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Cluster;

/// <summary>
/// The static backend's file: every node of the cluster with its underlay address and its subnet in each
/// network, written by an operator or a provisioning tool, e.g.
/// {"nodes":[{"name":"n1","underlay":"198.18.0.1","subnets":{"tenant-a":"10.244.1.0/24"}}]}
/// </summary>
public sealed class StaticClusterFile
{
    public List<StaticNode> Nodes { get; set; } = [];

    /// <summary>Parses and checks the whole file: one bad entry rejects it, so a half-edited file never drops peers.</summary>
    public static IReadOnlyList<NodeLease> Parse(ReadOnlySpan<byte> bytes, string path)
    {
        StaticClusterFile? file;
        try
        {
            file = JsonSerializer.Deserialize(bytes, ClusterJsonContext.Default.StaticClusterFile);
        }
        catch (JsonException e)
        {
            throw new ClusterStoreException($"{path} is not valid: {e.Message}");
        }
        if (file is null)
            throw new ClusterStoreException($"{path} is empty (null)");

        var leases = new List<NodeLease>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in file.Nodes)
        {
            if (string.IsNullOrEmpty(node.Name) || !names.Add(node.Name))
                throw new ClusterStoreException($"{path}: node name \"{node.Name}\" is empty or listed twice");
            if (!IPAddress.TryParse(node.Underlay, out var underlay) || underlay.AddressFamily != AddressFamily.InterNetwork)
                throw new ClusterStoreException($"{path}: node {node.Name}: underlay \"{node.Underlay}\" is not an IPv4 address");
            foreach (var (network, text) in node.Subnets)
            {
                IPNetwork subnet;
                try
                {
                    subnet = NetworkDefinition.ParseCidr(text, $"{path}: node {node.Name}", $"subnets.{network}");
                }
                catch (ConfigException e)
                {
                    throw new ClusterStoreException(e.Message);
                }
                var clash = leases.FirstOrDefault(l => l.Network == network &&
                    (l.Subnet.Contains(subnet.BaseAddress) || subnet.Contains(l.Subnet.BaseAddress)));
                if (clash is not null)
                    throw new ClusterStoreException($"{path}: nodes {clash.Node} and {node.Name} overlap in network {network} ({clash.Subnet}, {subnet})");
                leases.Add(new NodeLease(network, node.Name, subnet, underlay, VtepMac.For(node.Name, network)));
            }
        }
        return leases;
    }
}

public sealed class StaticNode
{
    public string Name { get; set; } = "";
    public string Underlay { get; set; } = "";
    /// <summary>Network name to this node's subnet in it.</summary>
    public Dictionary<string, string> Subnets { get; set; } = [];
}
