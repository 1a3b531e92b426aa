using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Particle.Netlink.Tests;

public sealed class KernelAddressRouteTests
{
    [Fact]
    public void Addresses_add_dump_replace_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;
        var v4 = InterfaceAddress.Parse("10.1.0.5/16");
        var v6 = InterfaceAddress.Parse("fd00::5/64");

        nl.AddAddress(br, v4);
        nl.AddAddress(br, v6);

        JsonElement[] info = ns.IpJson("addr", "show", "br0")[0].GetProperty("addr_info").EnumerateArray().ToArray();
        JsonElement inet = info.Single(a => a.GetProperty("family").GetString() == "inet");
        inet.GetProperty("local").GetString().Should().Be("10.1.0.5");
        inet.GetProperty("prefixlen").GetInt32().Should().Be(16);
        inet.GetProperty("broadcast").GetString().Should().Be("10.1.255.255");
        info.Should().Contain(a => a.GetProperty("local").GetString() == "fd00::5");

        nl.DumpAddresses(br).Select(a => a.Address).Should().Contain([v4, v6]);
        nl.SetUp(1);
        nl.DumpAddresses().Should().Contain(a => a.Index == 1 && a.Address == InterfaceAddress.Parse("127.0.0.1/8") && a.Scope == 254);

        var again = () => nl.AddAddress(br, v4);
        again.Should().Throw<NetlinkException>().Which.IsExists.Should().BeTrue();
        nl.AddAddress(br, v4, replace: true);

        nl.DeleteAddress(br, v4);
        nl.DeleteAddress(br, v6);
        nl.DumpAddresses(br).Should().NotContain(a => a.Address == v4 || a.Address == v6);
    }

    [Fact]
    public void Routes_via_gateway_default_onlink_mtu_replace_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;
        nl.AddAddress(br, InterfaceAddress.Parse("10.9.0.1/24"));

        var viaGateway = new Route { Destination = InterfaceAddress.Parse("10.10.0.0/16"), Gateway = IPAddress.Parse("10.9.0.2") };
        var byDefault = new Route { Gateway = IPAddress.Parse("10.9.0.254"), OutIndex = br };
        var onlink = new Route { Destination = InterfaceAddress.Parse("10.20.0.0/24"), Gateway = IPAddress.Parse("192.168.99.1"), OutIndex = br, OnLink = true };
        var withMtu = new Route { Destination = InterfaceAddress.Parse("10.30.0.0/16"), OutIndex = br, Mtu = 1400, Metric = 50, Protocol = Wire.Rta.RTPROT_STATIC };
        nl.AddRoute(viaGateway);
        nl.AddRoute(byDefault);
        nl.AddRoute(onlink);
        nl.AddRoute(withMtu);

        JsonElement[] shown = ns.IpJson("route", "show").EnumerateArray().ToArray();
        shown.Should().Contain(r => r.GetProperty("dst").GetString() == "default" && r.GetProperty("gateway").GetString() == "10.9.0.254");
        JsonElement onlinkShown = shown.Single(r => r.GetProperty("dst").GetString() == "10.20.0.0/24");
        onlinkShown.GetProperty("flags").EnumerateArray().Select(f => f.GetString()).Should().Contain("onlink");
        JsonElement mtuShown = shown.Single(r => r.GetProperty("dst").GetString() == "10.30.0.0/16");
        mtuShown.GetProperty("metrics")[0].GetProperty("mtu").GetInt32().Should().Be(1400);
        mtuShown.GetProperty("scope").GetString().Should().Be("link");

        IReadOnlyList<Route> routes = nl.DumpRoutes(AddressFamily.InterNetwork, Wire.Rta.RT_TABLE_MAIN);
        // Compared field by field: equivalence would walk IPAddress.ScopeId, which throws for IPv4.
        routes.Should().Contain(r => r.Destination == null && r.Gateway!.Equals(byDefault.Gateway) && r.OutIndex == br && r.Protocol == 3);
        routes.Should().Contain(r => r.Destination == onlink.Destination && r.Gateway!.Equals(onlink.Gateway) && r.OnLink);
        routes.Should().Contain(r => r.Destination == withMtu.Destination && r.Mtu == 1400 && r.Metric == 50 && r.Scope == 253 && r.Protocol == 4);
        nl.DumpRoutes(AddressFamily.InterNetwork).Should().Contain(r => r.Table == Wire.Rta.RT_TABLE_LOCAL, "null means every table");

        var duplicate = () => nl.AddRoute(viaGateway);
        duplicate.Should().Throw<NetlinkException>().Which.IsExists.Should().BeTrue();
        nl.AddRoute(viaGateway with { Gateway = IPAddress.Parse("10.9.0.3") }, replace: true);
        nl.DumpRoutes(AddressFamily.InterNetwork, 254).Single(r => r.Destination == viaGateway.Destination)
            .Gateway.Should().Be(IPAddress.Parse("10.9.0.3"));

        nl.DeleteRoute(viaGateway with { Gateway = null });
        nl.DeleteRoute(byDefault);
        nl.DumpRoutes(AddressFamily.InterNetwork, 254).Should()
            .NotContain(r => r.Destination == viaGateway.Destination || r.Destination == null);
    }

    [Fact]
    public void IPv6_route_in_a_custom_table()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;

        nl.AddRoute(new Route { Destination = InterfaceAddress.Parse("fd10::/64"), OutIndex = br, Table = 1000 });

        ns.IpJson("-6", "route", "show", "table", "1000").EnumerateArray()
            .Should().Contain(r => r.GetProperty("dst").GetString() == "fd10::/64");
        nl.DumpRoutes(AddressFamily.InterNetworkV6, 1000).Should().ContainSingle(r => r.Destination == InterfaceAddress.Parse("fd10::/64"));
    }
}
