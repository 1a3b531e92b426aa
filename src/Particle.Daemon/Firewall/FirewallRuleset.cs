using System.Globalization;
using System.Net;
using System.Text;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Firewall;

/// <summary>
/// particled's nftables table, rendered from the configuration alone: nothing in it depends on which pods
/// exist, so ADD and DEL never touch it. Pods are told apart by source address, which the prerouting
/// chain makes trustworthy first (a packet claiming a pod address must arrive through the device the node
/// routes that address to: the pod's own veth, or the VXLAN device of its network).
/// <list type="bullet">
/// <item>Isolation: a network's pods never reach another network's pods or gateway, in either direction
/// and for any protocol (each direction is the other network's source rule).</item>
/// <item>The VXLAN port of the node and of every other node is never reachable from a pod: a pod that
/// could send VXLAN could inject frames with another network's VNI.</item>
/// <item>Node services: a network with a list reaches only those ports of the node (replies to the node's
/// own connections pass as conntrack's established traffic).</item>
/// <item>Egress: traffic from pods to destinations outside every pod network and the network's
/// nonMasqueradeCidrs leaves with the node's address.</item>
/// </list>
/// Base chains use policy accept and only drop what they must, so rules of kube-proxy, Docker or
/// firewalld in their own tables keep working beside it.
/// </summary>
public static class FirewallRuleset
{
    public const string Family = "inet";
    public const string Table = "particle";

    /// <summary>The whole table, as one nft script that replaces any earlier version in one transaction.</summary>
    public static string Render(IReadOnlyCollection<NetworkDefinition> networks, IReadOnlyCollection<ushort> vxlanPorts)
    {
        var ordered = networks.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        // Creating the table first makes the delete succeed whether or not it existed; the three are one transaction.
        text.Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{}}\ndelete table {Family} {Table}\n");
        text.Append(CultureInfo.InvariantCulture, $"table {Family} {Table} {{\n");
        text.Append(CultureInfo.InvariantCulture, $"  set pod_networks {{ type ipv4_addr; flags interval; elements = {{ {Join(ordered.Select(n => n.AddressSpace))} }}; }}\n");
        if (vxlanPorts.Count > 0)
            text.Append(CultureInfo.InvariantCulture, $"  set vxlan_ports {{ type inet_service; elements = {{ {string.Join(", ", vxlanPorts.Order())} }}; }}\n");

        text.Append("  chain prerouting {\n    type filter hook prerouting priority raw; policy accept;\n");
        text.Append("    ip saddr @pod_networks fib saddr . iif oif missing drop comment \"a pod address arriving where the node does not route it: spoofed\"\n");
        text.Append("  }\n");

        foreach (var hook in new[] { "forward", "input" })
        {
            text.Append(CultureInfo.InvariantCulture, $"  chain {hook} {{\n    type filter hook {hook} priority filter; policy accept;\n");
            if (vxlanPorts.Count > 0)
                text.Append("    ip saddr @pod_networks udp dport @vxlan_ports drop comment \"pods never speak VXLAN to a node\"\n");
            foreach (var network in ordered)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"    ip saddr {network.AddressSpace} ip daddr @pod_networks ip daddr != {network.AddressSpace} drop comment \"network {network.Name}: no other network\"\n");
            }
            if (hook == "input")
            {
                foreach (var network in ordered.Where(n => !n.NodeServices.AllowAll))
                    AppendNodeServices(text, network);
            }
            text.Append("  }\n");
        }

        text.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var network in ordered.Where(n => n.Egress.Masquerade))
        {
            string except = network.Egress.NonMasquerade.Count == 0 ? "" : $" ip daddr != {{ {Join(network.Egress.NonMasquerade)} }}";
            text.Append(CultureInfo.InvariantCulture,
                $"    ip saddr {network.AddressSpace} ip daddr != @pod_networks{except} masquerade comment \"network {network.Name}: egress\"\n");
        }
        text.Append("  }\n}\n");
        return text.ToString();
    }

    private static void AppendNodeServices(StringBuilder text, NetworkDefinition network)
    {
        var space = network.AddressSpace;
        text.Append(CultureInfo.InvariantCulture, $"    ip saddr {space} ct state established,related accept\n");
        foreach (var group in network.NodeServices.Ports.GroupBy(p => p.Protocol).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (group.Key == "icmp")
                text.Append(CultureInfo.InvariantCulture, $"    ip saddr {space} icmp type echo-request accept\n");
            else
                text.Append(CultureInfo.InvariantCulture, $"    ip saddr {space} {group.Key} dport {{ {string.Join(", ", group.Select(p => p.Port).Order())} }} accept\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"    ip saddr {space} drop comment \"network {network.Name}: node services not listed\"\n");
    }

    private static string Join(IEnumerable<IPNetwork> networks) => string.Join(", ", networks.Select(n => n.ToString()));
}
