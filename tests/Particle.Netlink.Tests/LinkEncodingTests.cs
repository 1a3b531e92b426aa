using Particle.Linux;

namespace Particle.Netlink.Tests;

public sealed class LinkEncodingTests
{
    private static readonly MacAddress Mac1 = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress Mac2 = MacAddress.Parse("02:00:00:00:00:02");

    [Fact]
    public void Veth_with_peer_in_a_namespace()
    {
        // /proc/self/ns/net opens without privileges; only its descriptor number lands in the message.
        using NetworkNamespace ns = NetworkNamespace.Current();
        var batch = new NetlinkBatch(null).CreateVeth(new VethSpec
        {
            Name = "veth0",
            PeerName = "eth0",
            Mtu = 1450,
            PeerMac = Mac2,
            PeerNamespace = ns,
            MasterIndex = 7,
            Up = true,
        });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "88000000 1000 0506 01000000 00000000",          // nlmsghdr: 136 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            "00 00 0000 00000000 01000000 01000000",         // ifinfomsg: IFF_UP in flags and change
            "0a00 0300 7665746830 00 0000",                  // IFLA_IFNAME "veth0"
            "0800 0400 aa050000",                            // IFLA_MTU 1450
            "0800 0a00 07000000",                            // IFLA_MASTER 7
            "4c00 1200",                                     // IFLA_LINKINFO
            "  0800 0100 76657468",                          //   IFLA_INFO_KIND "veth"
            "  4000 0200",                                   //   IFLA_INFO_DATA
            "    3c00 0100",                                 //     VETH_INFO_PEER
            "      00 00 0000 00000000 00000000 00000000",   //       ifinfomsg: flags stay 0 (peer is brought up separately)
            "      0900 0300 6574683000 000000",             //       IFLA_IFNAME "eth0"
            "      0800 0400 aa050000",                      //       IFLA_MTU 1450
            "      0a00 0100 020000000002 0000",             //       IFLA_ADDRESS
            "      0800 1c00 " + Hex.U32(ns.Fd)));           //       IFLA_NET_NS_FD
    }

    [Fact]
    public void Veth_with_peer_up_adds_a_setlink_for_the_peer_in_the_same_send()
    {
        var batch = new NetlinkBatch(null).CreateVeth(new VethSpec { Name = "va", PeerName = "vb", PeerUp = true });

        batch.Count.Should().Be(2);
        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "54000000 1000 0506 01000000 00000000",
            "00 00 0000 00000000 00000000 00000000",
            "0700 0300 766100 00",                           // IFLA_IFNAME "va"
            "2c00 1200",                                     // IFLA_LINKINFO
            "  0800 0100 76657468",                          //   IFLA_INFO_KIND "veth"
            "  2000 0200 1c00 0100",                         //   IFLA_INFO_DATA { VETH_INFO_PEER
            "    00 00 0000 00000000 00000000 00000000",
            "    0700 0300 766200 00",                       //     IFLA_IFNAME "vb" }
            "28000000 1300 0500 02000000 00000000",          // RTM_SETLINK seq 2
            "00 00 0000 00000000 01000000 01000000",         // by name: index 0, IFF_UP
            "0700 0300 766200 00"));
    }

    [Fact]
    public void Bridge()
    {
        var batch = new NetlinkBatch(null).CreateBridge("br0", 1400, Mac1, up: true);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "4c000000 1000 0506 01000000 00000000",
            "00 00 0000 00000000 01000000 01000000",
            "0800 0300 62723000",                            // IFLA_IFNAME "br0"
            "0800 0400 78050000",                            // IFLA_MTU 1400
            "0a00 0100 020000000001 0000",                   // IFLA_ADDRESS
            "1000 1200 0a00 0100 627269646765 0000"));       // IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }
    }

    [Fact]
    public void Vxlan_with_all_attributes()
    {
        var batch = new NetlinkBatch(null).CreateVxlan(new VxlanSpec
        {
            Name = "vx0",
            Vni = 42,
            Port = 4789,
            Local = System.Net.IPAddress.Parse("10.0.0.1"),
            UnderlayIndex = 2,
            Learning = false,
            Mtu = 1450,
            Ttl = 64,
            UdpChecksum = true,
        });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "7c000000 1000 0506 01000000 00000000",
            "00 00 0000 00000000 00000000 00000000",
            "0800 0300 76783000",                            // IFLA_IFNAME "vx0"
            "0800 0400 aa050000",                            // IFLA_MTU 1450
            "4c00 1200",                                     // IFLA_LINKINFO
            "  0900 0100 7678 6c61 6e 000000",               //   IFLA_INFO_KIND "vxlan"
            "  3c00 0200",                                   //   IFLA_INFO_DATA
            "    0800 0100 2a000000",                        //     IFLA_VXLAN_ID 42
            "    0800 0300 02000000",                        //     IFLA_VXLAN_LINK 2
            "    0800 0400 0a000001",                        //     IFLA_VXLAN_LOCAL 10.0.0.1
            "    0500 0500 40 000000",                       //     IFLA_VXLAN_TTL 64
            "    0500 0700 00 000000",                       //     IFLA_VXLAN_LEARNING 0
            "    0600 0f00 12b5 0000",                       //     IFLA_VXLAN_PORT 4789, big-endian
            "    0500 1200 01 000000"));                     //     IFLA_VXLAN_UDP_CSUM 1
    }

    [Theory]
    [InlineData("up", "20000000 1300 0500 01000000 00000000 00 00 0000 05000000 01000000 01000000")]
    [InlineData("down", "20000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 01000000")]
    [InlineData("mtu", "28000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000 0800 0400 28230000")]
    [InlineData("master", "28000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000 0800 0a00 03000000")]
    [InlineData("nomaster", "28000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000 0800 0a00 00000000")]
    [InlineData("rename", "2c000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000 0900 0300 706f643000 000000")]
    [InlineData("mac", "2c000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000 0a00 0100 020000000001 0000")]
    [InlineData("delete", "20000000 1100 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000")]
    [InlineData("delete-name", "2c000000 1100 0500 01000000 00000000 00 00 0000 00000000 00000000 00000000 0a00 0300 7665746830 00 0000")]
    public void Link_changes(string operation, string expected)
    {
        var batch = new NetlinkBatch(null);
        _ = operation switch
        {
            "up" => batch.SetUp(5),
            "down" => batch.SetDown(5),
            "mtu" => batch.SetMtu(5, 9000),
            "master" => batch.SetMaster(5, 3),
            "nomaster" => batch.SetMaster(5, 0),
            "rename" => batch.Rename(5, "pod0"),
            "mac" => batch.SetMac(5, Mac1),
            "delete" => batch.DeleteLink(5),
            "delete-name" => batch.DeleteLink("veth0"),
            _ => throw new ArgumentOutOfRangeException(nameof(operation)),
        };

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(expected));
    }

    [Fact]
    public void Set_namespace_sends_the_descriptor()
    {
        using NetworkNamespace ns = NetworkNamespace.Current();
        var batch = new NetlinkBatch(null).SetNamespace(5, ns);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "28000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000",
            "0800 1c00 " + Hex.U32(ns.Fd)));
    }

    [Fact]
    public void Move_to_a_namespace_carries_the_new_name_in_the_same_request()
    {
        using NetworkNamespace ns = NetworkNamespace.Current();
        var batch = new NetlinkBatch(null).MoveTo(5, ns, "eth0");

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "34000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000",
            "0800 1c00 " + Hex.U32(ns.Fd),
            "0900 0300 6574683000 000000"));                 // IFLA_IFNAME "eth0"
    }

    [Fact]
    public void Group_set_and_group_delete()
    {
        var batch = new NetlinkBatch(null).SetGroup(5, 0x50435a).DeleteGroup(0x50435a);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "28000000 1300 0500 01000000 00000000 00 00 0000 05000000 00000000 00000000",
            "0800 1b00 5a435000",                            // IFLA_GROUP
            "28000000 1100 0500 02000000 00000000 00 00 0000 00000000 00000000 00000000",  // RTM_DELLINK, index 0
            "0800 1b00 5a435000"));
        var zero = () => new NetlinkBatch(null).DeleteGroup(0);
        zero.Should().Throw<ArgumentOutOfRangeException>("group 0 holds every device by default");
    }

    [Fact]
    public void Get_and_dump_requests()
    {
        Hex.From(RouteNetlink.DumpRequest(Wire.Rtm.GETLINK, Wire.Ifla.IfInfoMsgSize, 0).WrittenSpan)
            .Should().Be(Hex.Of("20000000 1200 0103 00000000 00000000 00 00 0000 00000000 00000000 00000000"));
        Hex.From(RouteNetlink.DumpRequest(Wire.Rtm.GETNEIGH, Wire.Nda.NdMsgSize, 7).WrittenSpan)
            .Should().Be(Hex.Of("1c000000 1e00 0103 00000000 00000000 07 00 0000 00000000 0000 00 00"));
    }
}
