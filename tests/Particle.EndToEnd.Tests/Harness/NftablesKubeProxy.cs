using System.Text;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// kube-proxy in nftables mode: `table ip kube-proxy` with its base chains at kube-proxy's priorities, the
/// service-ips and service-nodeports verdict maps, mark-for-masquerade and masquerading, the
/// nodeport-ips set of the node's primary address (1.31's default --nodeport-addresses=primary), and one
/// service-/external-/endpoint- chain per Service port and endpoint. Each sync replaces the whole table
/// in one nft transaction (add, delete, create), so the result never depends on what was there.
/// Priorities are numeric (dstnat = -100, srcnat = 100): kube-proxy names them "dstnat - 10" and so on,
/// which Debian 12's nft 1.0.6 accepts only on the prerouting hook.
/// </summary>
public sealed class NftablesKubeProxy : KubeProxyRules
{
    public NftablesKubeProxy(World world, string clusterCidr)
        : base(world, clusterCidr)
    {
    }

    public override KubeProxyMode Mode => KubeProxyMode.Nftables;

    public override string Dump() => World.OnNode("nft", "list", "ruleset");

    protected override void Sync()
    {
        var text = new StringBuilder();
        text.Append("""
            table ip kube-proxy {}
            delete table ip kube-proxy
            table ip kube-proxy {
              comment "rules for kube-proxy"
              set cluster-ips { type ipv4_addr; comment "Active ClusterIPs"; }
              set nodeport-ips { type ipv4_addr; comment "IPs that accept NodePort traffic"; }
              map no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict; comment "vmap to drop or reject packets to services with no endpoints"; }
              map no-endpoint-nodeports { type inet_proto . inet_service : verdict; comment "vmap to drop or reject packets to service nodeports with no endpoints"; }
              map firewall-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment "destinations that are subject to LoadBalancerSourceRanges"; }
              map service-ips { type ipv4_addr . inet_proto . inet_service : verdict; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"; }
              map service-nodeports { type inet_proto . inet_service : verdict; comment "NodePort traffic"; }
              chain filter-prerouting { type filter hook prerouting priority -110; policy accept; ct state new jump firewall-check; }
              chain filter-input { type filter hook input priority -110; policy accept; ct state new jump nodeport-endpoints-check; ct state new jump service-endpoints-check; }
              chain filter-forward { type filter hook forward priority -110; policy accept; ct state new jump service-endpoints-check; ct state new jump cluster-ips-check; }
              chain filter-output { type filter hook output priority -110; policy accept; ct state new jump service-endpoints-check; ct state new jump firewall-check; }
              chain filter-output-post-dnat { type filter hook output priority -90; policy accept; ct state new jump cluster-ips-check; }
              chain nat-prerouting { type nat hook prerouting priority dstnat; policy accept; jump services; }
              chain nat-output { type nat hook output priority -100; policy accept; jump services; }
              chain nat-postrouting { type nat hook postrouting priority srcnat; policy accept; jump masquerading; }
              chain reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports"; reject; }
              chain firewall-check { ip daddr . meta l4proto . th dport vmap @firewall-ips; }
              chain service-endpoints-check { ip daddr . meta l4proto . th dport vmap @no-endpoint-services; }
              chain nodeport-endpoints-check { ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports; }
              chain mark-for-masquerade { mark set mark or 0x4000; }
              chain masquerading { mark and 0x4000 == 0 return; mark set mark xor 0x4000; masquerade fully-random; }
              chain services { ip daddr . meta l4proto . th dport vmap @service-ips; ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports; }

            """);
        text.Append($"  chain cluster-ips-check {{ ip daddr @cluster-ips reject comment \"Reject traffic to invalid ports of ClusterIPs\"; ip daddr {{ {ServiceCidr} }} drop comment \"Drop traffic to unallocated ClusterIPs\"; }}\n");
        var elements = new StringBuilder();
        elements.Append($"add element ip kube-proxy nodeport-ips {{ {World.NodeAddress} }}\n");
        foreach (var service in Services)
            ServiceChains(service, text, elements);
        text.Append("}\n");
        // Elements name chains with goto: added after the table, when every chain exists.
        text.Append(elements);

        var result = Shell.Run("ip", ["netns", "exec", World.Node, "nft", "-f", "-"], text.ToString());
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"nft -f in {World.Node} failed: {result}\n{text}");
    }

    private void ServiceChains(ServicePort service, StringBuilder text, StringBuilder elements)
    {
        var vip = service.ClusterIp;
        // kube-proxy's chain base: HASH-namespace/name/protocol/portname.
        var baseName = $"{service.Hash(8)}-{service.Name.Replace(':', '/').Insert(service.Name.IndexOf(':') + 1, "tcp/")}";
        var svc = $"service-{baseName}";
        var endpointChains = service.Endpoints
            .Select(e => (Endpoint: e, Chain: $"endpoint-{new ServicePort(service.Name + e, vip, 0, []).Hash(8)}-{baseName}__{e.Address}/{e.Port}"))
            .ToList();
        foreach (var (endpoint, chain) in endpointChains)
        {
            // Hairpin: an endpoint reaching itself through the Service is masqueraded.
            text.Append($"  chain {chain} {{ ip saddr {endpoint.Address} jump mark-for-masquerade; meta l4proto tcp dnat to {endpoint}; }}\n");
        }
        var picks = string.Join(", ", endpointChains.Select((e, i) => $"{i} : goto {e.Chain}"));
        text.Append($"  chain {svc} {{ ip daddr {vip.Address} tcp dport {vip.Port} ip saddr != {ClusterCidr} jump mark-for-masquerade; numgen random mod {endpointChains.Count} vmap {{ {picks} }}; }}\n");
        elements.Append($"add element ip kube-proxy cluster-ips {{ {vip.Address} }}\n");
        elements.Append($"add element ip kube-proxy service-ips {{ {vip.Address} . tcp . {vip.Port} : goto {svc} }}\n");
        if (service.NodePort != 0)
        {
            var ext = $"external-{baseName}";
            // externalTrafficPolicy: Cluster: traffic from outside may cross nodes, so it is masqueraded.
            text.Append($"  chain {ext} {{ jump mark-for-masquerade; goto {svc}; }}\n");
            elements.Append($"add element ip kube-proxy service-nodeports {{ tcp . {service.NodePort} : goto {ext} }}\n");
        }
    }
}
