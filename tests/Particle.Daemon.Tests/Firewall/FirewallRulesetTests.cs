using Microsoft.Extensions.Logging.Abstractions;
using Particle.Daemon.Configuration;
using Particle.Daemon.Firewall;
using Particle.Linux;

namespace Particle.Daemon.Tests.Firewall;

/// <summary>The rendered table loads into a real kernel (inside a namespace of the test's own) and says what it should.</summary>
public sealed class FirewallRulesetTests : IDisposable
{
    private readonly TempNamespace _ns = new("pfw");

    public void Dispose() => _ns.Dispose();

    private static NetworkDefinition Network(string name, string subnet, bool masquerade = true, string[]? services = null, string[]? nonMasq = null) =>
        NetworkDefinition.From(new NetworkConfig
        {
            Name = name, Subnet = subnet, GatewayInterface = name + "0", IpMasq = masquerade,
            NodeServices = services?.ToList(), NonMasqueradeCidrs = nonMasq?.ToList() ?? [],
        });

    [Fact]
    public void The_table_loads_and_holds_isolation_node_services_and_egress_per_network()
    {
        var a = Network("a", "10.1.0.0/24", services: ["udp/53", "tcp/53", "icmp"], nonMasq: ["192.168.0.0/16"]);
        var b = Network("b", "10.2.0.0/24", masquerade: false);
        string script = FirewallRuleset.Render([a, b], [4789]);

        string listed = _ns.Namespace.Run(() =>
        {
            using var nft = Nftables.Open();
            nft.Run(script);
            // Applying it again replaces it whole, in one transaction: no duplicate rules.
            nft.Run(script);
            return nft.ListTable("inet", "particle");
        });

        listed.Should().Contain("elements = { 10.1.0.0/24, 10.2.0.0/24 }");
        listed.Should().Contain("fib saddr . iif oif missing drop");
        listed.Should().Contain("ip saddr 10.1.0.0/24 ip daddr @pod_networks ip daddr != 10.1.0.0/24 drop");
        listed.Should().Contain("ip saddr 10.2.0.0/24 ip daddr @pod_networks ip daddr != 10.2.0.0/24 drop");
        listed.Should().Contain("udp dport @vxlan_ports drop");
        listed.Should().Contain("ip saddr 10.1.0.0/24 udp dport 53 accept").And.Contain("ip saddr 10.1.0.0/24 tcp dport 53 accept");
        listed.Should().Contain("ip saddr 10.1.0.0/24 drop");
        listed.Should().NotContain("ip saddr 10.2.0.0/24 drop", "network b reaches every node service");
        listed.Should().Contain("ip saddr 10.1.0.0/24 ip daddr != @pod_networks ip daddr != 192.168.0.0/16 masquerade");
        listed.Should().NotContain("ip saddr 10.2.0.0/24 ip daddr != @pod_networks masquerade", "network b routes its pods' addresses");
        System.Text.RegularExpressions.Regex.Matches(listed, "masquerade").Count.Should().Be(1);
    }

    [Fact]
    public void Without_overlays_there_is_no_vxlan_rule_and_drift_is_put_back()
    {
        var log = NullLogger.Instance;
        var settings = new DaemonSettings("/tmp/x", "/tmp/x.sock", 4, TimeSpan.FromSeconds(5), new Dictionary<string, NetworkDefinition>
        {
            ["a"] = Network("a", "10.1.0.0/24"),
        });
        _ns.Namespace.Run(() =>
        {
            using var firewall = NodeFirewall.Open(log);
            firewall.Apply(settings);
            firewall.Problem().Should().BeNull();
            firewall.Reconcile().Should().BeFalse();

            TempNamespace.Ip("netns", "exec", _ns.Name, "nft", "flush", "chain", "inet", "particle", "forward");
            firewall.Problem().Should().Contain("changed by someone else");
            firewall.Reconcile().Should().BeTrue();
            firewall.Problem().Should().BeNull();

            TempNamespace.Ip("netns", "exec", _ns.Name, "nft", "delete", "table", "inet", "particle");
            firewall.Problem().Should().Contain("missing");
            firewall.Reconcile().Should().BeTrue();
            firewall.Problem().Should().BeNull();
            return 0;
        }).Should().Be(0);
        string listed = TempNamespace.Ip("netns", "exec", _ns.Name, "nft", "list", "table", "inet", "particle");
        listed.Should().NotContain("vxlan");
        listed.Should().Contain("ip saddr 10.1.0.0/24 ip daddr != @pod_networks masquerade");
    }
}
