using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Particle.Daemon.Cluster;
using Particle.Daemon.Configuration;
using Particle.Daemon.Kernel;
using Particle.Daemon.Overlay;
using Particle.Netlink;
using Particle.Netlink.Wire;

namespace Particle.Daemon.Tests.Overlay;

/// <summary>The data plane against a real kernel, inside a namespace of its own.</summary>
public sealed class OverlayNetworkTests : IDisposable
{
    private static readonly IPNetwork Mine = IPNetwork.Parse("10.244.1.0/24");
    private readonly TempNamespace _ns = new();
    private readonly RouteNetlink _node;
    private readonly OverlaySettings _overlay = OverlaySettings.From(new NetworkConfig
    {
        Name = "a", ClusterCidr = "10.244.0.0/16", GatewayInterface = "ta", Vxlan = new VxlanConfig { Vni = 100 },
    }, NodeServices.PingOnly);
    private readonly Underlay _underlay;
    private readonly NetworkDefinition _network;

    public OverlayNetworkTests()
    {
        TempNamespace.Ip("-n", _ns.Name, "link", "add", "ul0", "mtu", "1500", "type", "bridge");
        TempNamespace.Ip("-n", _ns.Name, "addr", "add", "198.18.0.1/24", "dev", "ul0");
        TempNamespace.Ip("-n", _ns.Name, "link", "set", "ul0", "up");
        _node = RouteNetlink.OpenIn(_ns.Namespace);
        _underlay = Underlay.Resolve(_node, new ClusterSettings("n1", IPAddress.Parse("198.18.0.1"), null, ClusterBackend.Static, null, null, null));
        _network = _overlay.Define(Mine, _overlay.EffectiveMtu(_underlay.Mtu));
        GatewayDevice.Ensure(_node, _network, NullLogger.Instance);
    }

    public void Dispose()
    {
        _node.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void Setup_builds_the_vxlan_device()
    {
        var network = Create();
        network.Setup();

        var vxlan = _node.GetLink("pvx100")!;
        vxlan.Vxlan.Should().BeEquivalentTo(new { Vni = 100u, Port = (ushort)4789, Local = IPAddress.Parse("198.18.0.1"), Link = _underlay.LinkIndex, Learning = false });
        vxlan.Mtu.Should().Be(1450);
        vxlan.Mac.Should().Be(VtepMac.For("n1", "a"));
        vxlan.IsUp.Should().BeTrue();
        _node.DumpAddresses(vxlan.Index).Where(a => a.Address.Family == AddressFamily.InterNetwork).Select(a => a.Address.ToString()).Should().Equal("10.244.1.0/32");
        Sysctl("net.ipv4.conf.pvx100.forwarding").Should().Be("1");

        // Adopted as it is the second time.
        Create().Setup();
        _node.GetLink("pvx100")!.Index.Should().Be(vxlan.Index);
    }

    [Fact]
    public void What_the_policy_routing_release_left_is_removed_and_the_local_rule_returns()
    {
        // The release before the routed data plane: tenant rules, the local rule moved to 1500, a tenant table.
        TempNamespace.Ip("-n", _ns.Name, "rule", "add", "pref", "1000", "iif", "ta", "lookup", "10100", "proto", "112");
        TempNamespace.Ip("-n", _ns.Name, "rule", "add", "pref", "1001", "iif", "ta", "prohibit", "proto", "112");
        TempNamespace.Ip("-n", _ns.Name, "rule", "add", "pref", "1500", "lookup", "local", "proto", "112");
        TempNamespace.Ip("-n", _ns.Name, "rule", "del", "pref", "0");
        TempNamespace.Ip("-n", _ns.Name, "route", "add", "10.244.1.0/24", "dev", "ta", "table", "10100", "proto", "112");

        OverlayDataPlane.ForgetAll(_node, NullLogger.Instance);

        _node.DumpRules().Should().NotContain(r => r.Protocol == OverlayKernel.Protocol);
        _node.DumpRules().Where(r => r.Table == Rta.RT_TABLE_LOCAL).Select(r => r.Priority).Should().Equal(0u);
        _node.DumpRoutes(AddressFamily.InterNetwork).Should().NotContain(r => r.Protocol == OverlayKernel.Protocol);
        PolicyRoutingUpgrade.Remove(_node).Should().Be((0, 0));
    }

    [Fact]
    public void Without_overlay_networks_every_route_of_the_overlay_goes()
    {
        var network = Create();
        network.Setup();
        network.Apply([Lease("n1", 1, "198.18.0.1"), Lease("n2", 2, "198.18.0.2")]);
        _node.DumpRoutes(AddressFamily.InterNetwork).Should().Contain(r => r.Protocol == OverlayKernel.Protocol);

        OverlayDataPlane.ForgetAll(_node, NullLogger.Instance);

        _node.DumpRoutes(AddressFamily.InterNetwork).Should().NotContain(r => r.Protocol == OverlayKernel.Protocol);
        _node.DumpRules().Where(r => r.Table == Rta.RT_TABLE_LOCAL).Select(r => r.Priority).Should().Equal(0u);
        // Nothing to do the second time.
        OverlayDataPlane.ForgetAll(_node, NullLogger.Instance);
    }

    [Fact]
    public void A_vxlan_device_with_other_settings_is_recreated()
    {
        _node.CreateVxlan(new VxlanSpec { Name = "pvx100", Vni = 100, Port = 8472, Local = IPAddress.Parse("198.18.0.1") });
        int before = _node.GetLink("pvx100")!.Index;

        Create().Setup();

        var after = _node.GetLink("pvx100")!;
        after.Index.Should().NotBe(before);
        after.Vxlan!.Port.Should().Be(4789);
    }

    [Fact]
    public void A_vxlan_device_not_bound_to_the_underlay_is_recreated()
    {
        _node.CreateVxlan(new VxlanSpec { Name = "pvx100", Vni = 100, Port = 4789, Local = IPAddress.Parse("198.18.0.1") });
        int before = _node.GetLink("pvx100")!.Index;

        Create().Setup();

        var after = _node.GetLink("pvx100")!;
        after.Index.Should().NotBe(before);
        after.Vxlan!.Link.Should().Be(_underlay.LinkIndex);
    }

    [Fact]
    public void A_foreign_device_on_the_same_vni_and_port_is_a_config_error()
    {
        _node.CreateVxlan(new VxlanSpec { Name = "other", Vni = 100, Port = 4789, Local = IPAddress.Parse("198.18.0.1") });

        var act = () => Create().Setup();

        act.Should().Throw<ConfigException>().WithMessage("network \"a\": another VXLAN device already uses vni 100 on port 4789 (198.18.0.1)*");
        _node.GetLink("pvx100").Should().BeNull();
    }

    [Fact]
    public void Peers_are_added_replaced_and_removed_to_match_each_snapshot()
    {
        var network = Create();
        network.Setup();
        var self = Lease("n1", 1, "198.18.0.1");
        var n2 = Lease("n2", 2, "198.18.0.2");
        var n3 = Lease("n3", 3, "198.18.0.3");

        network.Apply([self, n2, n3]);
        State().Should().BeEquivalentTo(
            "route 10.244.2.0/24 via 10.244.2.0 dev #pvx100 onlink",
            "route 10.244.3.0/24 via 10.244.3.0 dev #pvx100 onlink",
            $"neigh 10.244.2.0 {n2.VtepMac}", $"neigh 10.244.3.0 {n3.VtepMac}",
            $"fdb {n2.VtepMac} 198.18.0.2", $"fdb {n3.VtepMac} 198.18.0.3");

        // n2 moved to another underlay address, n3 left, n4 arrived, and a bogus lease is ignored.
        var n2moved = n2 with { Underlay = IPAddress.Parse("198.18.0.22") };
        var n4 = Lease("n4", 4, "198.18.0.4");
        var bogus = new NodeLease("a", "n9", IPNetwork.Parse("10.99.0.0/24"), IPAddress.Parse("198.18.0.9"), VtepMac.For("n9", "a"));
        network.Apply([self, n2moved, n4, bogus]);
        State().Should().BeEquivalentTo(
            "route 10.244.2.0/24 via 10.244.2.0 dev #pvx100 onlink",
            "route 10.244.4.0/24 via 10.244.4.0 dev #pvx100 onlink",
            $"neigh 10.244.2.0 {n2.VtepMac}", $"neigh 10.244.4.0 {n4.VtepMac}",
            $"fdb {n2.VtepMac} 198.18.0.22", $"fdb {n4.VtepMac} 198.18.0.4");
        var expected = State();

        // Drift: an entry deleted by someone, a stale one of ours added; a resync repairs both.
        int vxlan = _node.GetLink("pvx100")!.Index;
        _node.DeleteNeighbour(new Neighbour { Index = vxlan, Address = IPAddress.Parse("10.244.4.0") });
        _node.AddRoute(new Route
        {
            Destination = InterfaceAddress.Parse("10.244.7.0/24"), Gateway = IPAddress.Parse("10.244.7.0"), OutIndex = vxlan, OnLink = true,
            Protocol = OverlayKernel.Protocol,
        });
        _node.AppendFdb(new FdbEntry { Index = vxlan, Mac = MacAddress.Parse("02:00:00:00:00:07"), Destination = IPAddress.Parse("198.18.0.7") });
        network.Resync();
        State().Should().BeEquivalentTo(expected);

        // A restarted daemon adopts all of it without duplicates.
        var again = Create();
        again.Setup();
        again.Apply([self, n2moved, n4]);
        State().Should().BeEquivalentTo(expected);

        network.Apply([self]);
        State().Should().BeEquivalentTo(Array.Empty<string>());
    }

    private OverlayNetwork Create() =>
        new(_overlay, _network, Lease("n1", 1, "198.18.0.1"), _underlay, _node, NullLogger.Instance);

    private NodeLease Lease(string node, int third, string underlay) =>
        new("a", node, IPNetwork.Parse($"10.244.{third}.0/24"), IPAddress.Parse(underlay), VtepMac.For(node, "a"));

    /// <summary>The overlay's kernel entries in a form that is easy to compare.</summary>
    private List<string> State()
    {
        var names = _node.DumpLinks().ToDictionary(l => l.Index, l => l.Name);
        int vxlan = _node.GetLink("pvx100")!.Index;
        var state = new List<string>();
        state.AddRange(_node.DumpRoutes(AddressFamily.InterNetwork, Rta.RT_TABLE_MAIN).Where(r => r.Protocol == OverlayKernel.Protocol)
            .Select(r => $"route {(r.Type == Rta.RTN_LOCAL ? "local " : "")}{r.Destination}{(r.Gateway is null ? "" : $" via {r.Gateway}")} dev #{names[r.OutIndex!.Value]}{(r.OnLink ? " onlink" : "")}"));
        state.AddRange(_node.DumpNeighbours(vxlan).Where(n => n.State == Nda.NUD_PERMANENT).Select(n => $"neigh {n.Address} {n.Mac}"));
        state.AddRange(_node.DumpFdb(vxlan).Where(e => e.Destination is not null).Select(e => $"fdb {e.Mac} {e.Destination}"));
        return state;
    }

    private string Sysctl(string key) => TempNamespace.Ip("netns", "exec", _ns.Name, "sysctl", "-n", key).Trim();
}
