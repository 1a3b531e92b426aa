using System.Net;
using System.Text.Json;

namespace Particle.Netlink.Tests;

/// <summary>Against the real kernel, inside namespaces the tests create (needs root, which CI has).</summary>
public sealed class KernelLinkTests
{
    [Fact]
    public void Veth_peer_is_born_in_the_second_namespace_enslaved_and_up()
    {
        using var host = new TempNamespace();
        using var pod = new TempNamespace();
        using RouteNetlink nl = host.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int bridge = nl.GetLink("br0")!.Index;
        var mac = MacAddress.Parse("02:00:00:00:01:01");
        var peerMac = MacAddress.Parse("02:00:00:00:01:02");

        nl.CreateVeth(new VethSpec
        {
            Name = "pv0", PeerName = "eth0", Mtu = 1400, Mac = mac, PeerMac = peerMac,
            PeerNamespace = pod.Namespace, MasterIndex = bridge, Up = true, PeerUp = true,
        });

        JsonElement peer = pod.IpJson("link", "show", "eth0")[0];
        peer.GetProperty("mtu").GetInt32().Should().Be(1400);
        peer.GetProperty("address").GetString().Should().Be("02:00:00:00:01:02");
        Flags(peer).Should().Contain("UP");
        JsonElement hostEnd = host.IpJson("link", "show", "pv0")[0];
        hostEnd.GetProperty("master").GetString().Should().Be("br0");
        Flags(hostEnd).Should().Contain("UP");

        Link link = nl.GetLink("pv0")!;
        link.Should().BeEquivalentTo(new { Name = "pv0", Kind = "veth", Mtu = 1400, Mac = (MacAddress?)mac, MasterIndex = (int?)bridge, IsUp = true });
        link.LinkNetnsId.Should().NotBeNull("the peer lives in another namespace");
        nl.GetLink("eth0").Should().BeNull();
    }

    [Fact]
    public void Bridge_with_mtu_and_mac()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();

        nl.CreateBridge("br0", 1450, MacAddress.Parse("02:00:00:00:02:01"), up: true);

        JsonElement br = ns.IpJson("-d", "link", "show", "br0")[0];
        br.GetProperty("linkinfo").GetProperty("info_kind").GetString().Should().Be("bridge");
        br.GetProperty("mtu").GetInt32().Should().Be(1450);
        br.GetProperty("address").GetString().Should().Be("02:00:00:00:02:01");
        Flags(br).Should().Contain("UP");
        nl.GetLink("br0")!.Kind.Should().Be("bridge");
    }

    [Fact]
    public void Vxlan_with_all_attributes()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("ul0", up: true);
        int underlay = nl.GetLink("ul0")!.Index;
        nl.AddAddress(underlay, InterfaceAddress.Parse("10.0.0.1/24"));

        nl.CreateVxlan(new VxlanSpec
        {
            Name = "vx0", Vni = 42, Port = 8472, Local = IPAddress.Parse("10.0.0.1"), UnderlayIndex = underlay,
            Learning = false, Mtu = 1450, Mac = MacAddress.Parse("02:00:00:00:03:01"), Up = true, Ttl = 64, UdpChecksum = false,
        });

        JsonElement vx = ns.IpJson("-d", "link", "show", "vx0")[0];
        vx.GetProperty("mtu").GetInt32().Should().Be(1450);
        vx.GetProperty("address").GetString().Should().Be("02:00:00:00:03:01");
        Flags(vx).Should().Contain("UP");
        JsonElement data = vx.GetProperty("linkinfo").GetProperty("info_data");
        vx.GetProperty("linkinfo").GetProperty("info_kind").GetString().Should().Be("vxlan");
        data.GetProperty("id").GetInt32().Should().Be(42);
        data.GetProperty("port").GetInt32().Should().Be(8472);
        data.GetProperty("local").GetString().Should().Be("10.0.0.1");
        data.GetProperty("link").GetString().Should().Be("ul0");
        data.GetProperty("learning").GetBoolean().Should().BeFalse();
        data.GetProperty("ttl").GetInt32().Should().Be(64);
        data.GetProperty("udp_csum").GetBoolean().Should().BeFalse();

        nl.GetLink("vx0")!.Vxlan.Should().Be(new VxlanInfo
        {
            Vni = 42, Port = 8472, Local = IPAddress.Parse("10.0.0.1"), Link = underlay, Learning = false, Ttl = 64, UdpChecksum = false,
        });
    }

    [Fact]
    public void Set_up_down_mtu_master_mac_name()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0");
        nl.CreateVeth(new VethSpec { Name = "va", PeerName = "vb" });
        int br = nl.GetLink("br0")!.Index;
        int va = nl.GetLink("va")!.Index;

        nl.SetUp(va);
        nl.SetMtu(va, 1300);
        nl.SetMaster(va, br);
        nl.SetMac(va, MacAddress.Parse("02:00:00:00:04:01"));
        nl.Rename(va, "vrenamed");
        nl.SetDown(va);
        nl.SetUp(va);

        JsonElement link = ns.IpJson("link", "show", "vrenamed")[0];
        link.GetProperty("ifindex").GetInt32().Should().Be(va);
        link.GetProperty("mtu").GetInt32().Should().Be(1300);
        link.GetProperty("master").GetString().Should().Be("br0");
        link.GetProperty("address").GetString().Should().Be("02:00:00:00:04:01");
        Flags(link).Should().Contain("UP");
        nl.GetLink(va)!.Should().BeEquivalentTo(new { Name = "vrenamed", Mtu = 1300, MasterIndex = (int?)br, IsUp = true });

        nl.SetDown(va);
        nl.SetMaster(va, 0);
        link = ns.IpJson("link", "show", "vrenamed")[0];
        link.TryGetProperty("master", out _).Should().BeFalse();
        Flags(link).Should().NotContain("UP");
        nl.GetLink(va)!.MasterIndex.Should().BeNull();
    }

    [Fact]
    public void Move_to_another_namespace()
    {
        using var a = new TempNamespace();
        using var b = new TempNamespace();
        using RouteNetlink nl = a.OpenNetlink();
        nl.CreateVeth(new VethSpec { Name = "va", PeerName = "vb" });

        nl.SetNamespace(nl.GetLink("vb")!.Index, b.Namespace);

        nl.GetLink("vb").Should().BeNull();
        b.IpJson("link", "show", "vb").GetArrayLength().Should().Be(1);
        using RouteNetlink inB = b.OpenNetlink();
        inB.GetLink("vb")!.Kind.Should().Be("veth");
    }

    [Fact]
    public void Get_dump_and_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateVeth(new VethSpec { Name = "va", PeerName = "vb" });
        nl.CreateBridge("br0");

        IReadOnlyList<Link> links = nl.DumpLinks();
        links.Select(l => l.Name).Should().BeEquivalentTo(["lo", "va", "vb", "br0"]);
        nl.GetLink(1)!.Name.Should().Be("lo");
        nl.GetLink(999_999).Should().BeNull();

        nl.DeleteLink(nl.GetLink("br0")!.Index);
        nl.DeleteLink("va").Should().BeTrue();
        nl.DeleteLink("va").Should().BeFalse();
        nl.DumpLinks().Select(l => l.Name).Should().BeEquivalentTo(["lo"], "deleting one veth end removes the pair");
    }

    internal static IEnumerable<string> Flags(JsonElement link) =>
        link.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!);
}
