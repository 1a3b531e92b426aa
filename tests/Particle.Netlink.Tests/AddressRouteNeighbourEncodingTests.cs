using System.Net;

namespace Particle.Netlink.Tests;

public sealed class AddressRouteNeighbourEncodingTests
{
    private static readonly MacAddress Mac4 = MacAddress.Parse("02:00:00:00:00:04");

    [Fact]
    public void Add_IPv4_address_with_broadcast()
    {
        var batch = new NetlinkBatch(null).AddAddress(3, InterfaceAddress.Parse("10.1.0.5/16"));

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "30000000 1400 0506 01000000 00000000",          // RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
            "02 10 00 00 03000000",                          // ifaddrmsg: AF_INET /16 on #3
            "0800 0200 0a010005",                            // IFA_LOCAL
            "0800 0100 0a010005",                            // IFA_ADDRESS
            "0800 0400 0a01ffff"));                          // IFA_BROADCAST
    }

    [Fact]
    public void Replace_a_host_address_has_no_broadcast()
    {
        var batch = new NetlinkBatch(null).AddAddress(3, InterfaceAddress.Parse("10.1.0.5/32"), replace: true);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "28000000 1400 0505 01000000 00000000",          // REQUEST|ACK|REPLACE|CREATE
            "02 20 00 00 03000000",
            "0800 0200 0a010005",
            "0800 0100 0a010005"));
    }

    [Fact]
    public void Add_IPv6_address()
    {
        var batch = new NetlinkBatch(null).AddAddress(3, InterfaceAddress.Parse("fd00::5/64"));

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "40000000 1400 0506 01000000 00000000",
            "0a 40 00 00 03000000",
            "1400 0200 fd000000000000000000000000000005",
            "1400 0100 fd000000000000000000000000000005"));
    }

    [Fact]
    public void Delete_address()
    {
        var batch = new NetlinkBatch(null).DeleteAddress(3, InterfaceAddress.Parse("10.1.0.5/16"));

        Hex.From(batch.Encode(9, 77)).Should().Be(Hex.Of(
            "28000000 1500 0500 09000000 4d000000",          // RTM_DELADDR seq 9 port 77
            "02 10 00 00 03000000",
            "0800 0200 0a010005",
            "0800 0100 0a010005"));
    }

    [Fact]
    public void Default_route_via_gateway()
    {
        var batch = new NetlinkBatch(null).AddRoute(new Route { Gateway = IPAddress.Parse("10.1.0.1") });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "2c000000 1800 0506 01000000 00000000",          // RTM_NEWROUTE
            "02 00 00 00 fe 03 00 01 00000000",              // rtmsg: AF_INET /0 main boot universe unicast
            "0800 0f00 fe000000",                            // RTA_TABLE 254
            "0800 0500 0a010001"));                          // RTA_GATEWAY
    }

    [Fact]
    public void Onlink_route()
    {
        var batch = new NetlinkBatch(null).AddRoute(new Route
        {
            Destination = InterfaceAddress.Parse("10.2.0.0/24"),
            Gateway = IPAddress.Parse("10.2.0.0"),
            OutIndex = 4,
            OnLink = true,
        });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "3c000000 1800 0506 01000000 00000000",
            "02 18 00 00 fe 03 00 01 04000000",              // rtm_flags RTNH_F_ONLINK
            "0800 0f00 fe000000",
            "0800 0100 0a020000",                            // RTA_DST
            "0800 0500 0a020000",                            // RTA_GATEWAY
            "0800 0400 04000000"));                          // RTA_OIF
    }

    [Fact]
    public void Replace_link_route_with_mtu_and_metric()
    {
        var batch = new NetlinkBatch(null).AddRoute(new Route
        {
            Destination = InterfaceAddress.Parse("10.3.0.9/16"),
            OutIndex = 4,
            Metric = 100,
            Mtu = 1400,
        }, replace: true);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "48000000 1800 0505 01000000 00000000",          // REQUEST|ACK|REPLACE|CREATE
            "02 10 00 00 fe 03 fd 01 00000000",              // scope link: no gateway
            "0800 0f00 fe000000",
            "0800 0100 0a030000",                            // RTA_DST, host bits cleared
            "0800 0400 04000000",
            "0800 0600 64000000",                            // RTA_PRIORITY 100
            "0c00 0800 0800 0200 78050000"));                // RTA_METRICS { RTAX_MTU 1400 }
    }

    [Fact]
    public void IPv6_default_route_in_a_high_table()
    {
        var batch = new NetlinkBatch(null).AddRoute(new Route { Gateway = IPAddress.Parse("fe80::1"), OutIndex = 2, Table = 1000 });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "40000000 1800 0506 01000000 00000000",
            "0a 00 00 00 00 03 00 01 00000000",              // rtm_table 0: see RTA_TABLE
            "0800 0f00 e8030000",
            "1400 0500 fe800000000000000000000000000001",
            "0800 0400 02000000"));
    }

    [Fact]
    public void Delete_route_matches_any_protocol_and_scope()
    {
        var batch = new NetlinkBatch(null).DeleteRoute(new Route { Destination = InterfaceAddress.Parse("10.3.0.0/16"), OutIndex = 4 });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "34000000 1900 0500 01000000 00000000",
            "02 10 00 00 fe 00 ff 00 00000000",
            "0800 0f00 fe000000",
            "0800 0100 0a030000",
            "0800 0400 04000000"));
    }

    [Fact]
    public void Permanent_neighbour()
    {
        var batch = new NetlinkBatch(null).SetNeighbour(new Neighbour { Index = 4, Address = IPAddress.Parse("10.2.0.0"), Mac = Mac4 });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "30000000 1c00 0505 01000000 00000000",          // RTM_NEWNEIGH, REPLACE|CREATE
            "02 00 0000 04000000 8000 00 00",                // ndmsg: NUD_PERMANENT
            "0800 0100 0a020000",                            // NDA_DST
            "0a00 0200 020000000004 0000"));                 // NDA_LLADDR
    }

    [Fact]
    public void Delete_neighbour()
    {
        var batch = new NetlinkBatch(null).DeleteNeighbour(new Neighbour { Index = 4, Address = IPAddress.Parse("10.2.0.0") });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "24000000 1d00 0500 01000000 00000000",
            "02 00 0000 04000000 0000 00 00",
            "0800 0100 0a020000"));
    }

    [Fact]
    public void Fdb_append()
    {
        var batch = new NetlinkBatch(null).AppendFdb(new FdbEntry { Index = 4, Mac = Mac4, Destination = IPAddress.Parse("192.168.1.2") });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "30000000 1c00 050c 01000000 00000000",          // REQUEST|ACK|CREATE|APPEND
            "07 00 0000 04000000 8000 02 00",                // AF_BRIDGE, NUD_PERMANENT, NTF_SELF
            "0a00 0200 020000000004 0000",                   // NDA_LLADDR
            "0800 0100 c0a80102"));                          // NDA_DST
    }

    [Fact]
    public void Fdb_replace_with_vni_and_delete()
    {
        var entry = new FdbEntry { Index = 4, Mac = Mac4, Destination = IPAddress.Parse("192.168.1.2"), Vni = 42 };
        var batch = new NetlinkBatch(null).ReplaceFdb(entry).DeleteFdb(entry with { Vni = null });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "38000000 1c00 0505 01000000 00000000",
            "07 00 0000 04000000 8000 02 00",
            "0a00 0200 020000000004 0000",
            "0800 0100 c0a80102",
            "0800 0700 2a000000",                            // NDA_VNI
            "30000000 1d00 0500 02000000 00000000",          // RTM_DELNEIGH, seq 2
            "07 00 0000 04000000 0000 02 00",
            "0a00 0200 020000000004 0000",
            "0800 0100 c0a80102"));
    }

    [Fact]
    public void Batch_numbers_requests_consecutively()
    {
        var batch = new NetlinkBatch(null)
            .AddAddress(3, InterfaceAddress.Parse("10.1.0.5/32"))
            .AddRoute(new Route { Gateway = IPAddress.Parse("10.1.0.1"), OnLink = true });

        batch.Count.Should().Be(2);
        Hex.From(batch.Encode(100, 5)).Should().Be(Hex.Of(
            "28000000 1400 0506 64000000 05000000",
            "02 20 00 00 03000000 0800 0200 0a010005 0800 0100 0a010005",
            "2c000000 1800 0506 65000000 05000000",
            "02 00 00 00 fe 03 00 01 04000000 0800 0f00 fe000000 0800 0500 0a010001"));
    }
}
