using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink.Tests;

public sealed class ReplyParsingTests
{
    [Fact]
    public void Error_with_capped_request_and_extack()
    {
        byte[] datagram = Hex.Bytes(
            "40000000 0200 0003 07000000 63000000",          // NLMSG_ERROR, CAPPED|ACK_TLVS, seq 7, port 99
            "efffffff",                                      // -EEXIST
            "2c000000 1000 0506 07000000 63000000",          // the request's header only
            "1800 0100 4c696e6b20616c726561647920657869737473 00",   // NLMSGERR_ATTR_MSG "Link already exists"
            "0800 0200 20000000");                           // NLMSGERR_ATTR_OFFS (ignored)

        var reader = new MessageReader(datagram);
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();
        message.Type.Should().Be(Nlmsg.ERROR);
        message.Seq.Should().Be(7u);
        message.PortId.Should().Be(99u);
        RouteNetlink.ParseError(message).Should().Be((17, "Link already exists"));
        reader.TryRead(out _).Should().BeFalse();
    }

    [Fact]
    public void Error_with_echoed_request_payload_skips_it()
    {
        byte[] datagram = Hex.Bytes(
            "30000000 0200 0002 01000000 00000000",          // ACK_TLVS, not capped
            "edffffff",                                      // -ENODEV
            "14000000 1100 0500 01000000 00000000 aabbccdd", // echoed request: 20 bytes
            "0800 0100 6e6f00 00");                          // NLMSGERR_ATTR_MSG "no"

        var reader = new MessageReader(datagram);
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();
        RouteNetlink.ParseError(message).Should().Be((19, "no"));
    }

    [Fact]
    public void Plain_ack_is_success()
    {
        var reader = new MessageReader(Hex.Bytes("24000000 0200 0001 05000000 00000000 00000000 20000000 1000 0506 05000000 00000000"));
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();
        RouteNetlink.ParseError(message).Should().Be((0, (string?)null));
    }

    [Fact]
    public void Multipart_dump_then_done()
    {
        byte[] datagram = Hex.Bytes(
            // RTM_NEWLINK, NLM_F_MULTI, seq 3: index 2 "eth0" up, mtu 1500, mac, master 9, vxlan info
            "8c000000 1000 0200 03000000 2a000000",
            "00 00 0100 02000000 43100100 00000000",
            "0900 0300 6574683000 000000",
            "0800 0400 dc050000",
            "0a00 0100 020000000009 0000",
            "0800 0a00 09000000",
            "0500 1000 06 000000",                           // IFLA_OPERSTATE up
            "3c00 1200",
            "  0900 0100 7678 6c61 6e 000000",
            "  2c00 0200",
            "    0800 0100 2a000000",
            "    0600 0f00 2118 0000",                       // port 8472 big-endian
            "    0800 0400 0a000001",
            "    0800 0300 03000000",
            "    0500 0700 00 000000",
            // second link: index 1 "lo", down, no link info
            "28000000 1000 0200 03000000 2a000000",
            "00 00 0403 01000000 08000000 00000000",
            "0700 0300 6c6f00 00",
            "14000000 0300 0200 03000000 2a000000 00000000"); // NLMSG_DONE, error 0

        var links = new List<Link>();
        var reader = new MessageReader(datagram);
        int done = 0;
        while (reader.TryRead(out NetlinkMessage message))
        {
            message.Flags.Should().Be(Nlmsg.F_MULTI);
            if (message.Type == Nlmsg.DONE)
            {
                done++;
                RouteNetlink.ParseError(message).Errno.Should().Be(0);
            }
            else if (LinkParser.TryParse(message, out Link link))
            {
                links.Add(link);
            }
        }

        done.Should().Be(1);
        links.Should().HaveCount(2);
        links[0].Should().BeEquivalentTo(new
        {
            Index = 2, Name = "eth0", Kind = "vxlan", Mtu = 1500, Mac = (MacAddress?)MacAddress.Parse("02:00:00:00:00:09"),
            MasterIndex = 9, IsUp = true, OperState = 6u,
        });
        links[0].Vxlan.Should().Be(new VxlanInfo { Vni = 42, Port = 8472, Local = IPAddress.Parse("10.0.0.1"), Link = 3, Learning = false });
        links[1].Should().BeEquivalentTo(new { Index = 1, Name = "lo", Kind = (string?)null, IsUp = false, Vxlan = (VxlanInfo?)null });
    }

    [Fact]
    public void Done_carrying_an_error()
    {
        var reader = new MessageReader(Hex.Bytes("14000000 0300 0200 03000000 00000000 f4ffffff"));
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();
        RouteNetlink.ParseError(message).Errno.Should().Be(12);
    }

    [Fact]
    public void Route_reply()
    {
        var reader = new MessageReader(Hex.Bytes(
            "50000000 1800 0200 01000000 00000000",
            "02 18 00 00 fe 04 00 01 04000000",
            "0800 0f00 fe000000 0800 0100 0a020000 0800 0500 0a020001 0800 0400 04000000",
            "0800 0600 64000000 0c00 0800 0800 0200 78050000"));
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();

        RouteParser.TryParse(message, out Route route).Should().BeTrue();
        route.Should().Be(new Route
        {
            Destination = InterfaceAddress.Parse("10.2.0.0/24"), Gateway = IPAddress.Parse("10.2.0.1"), OutIndex = 4, OnLink = true,
            Table = 254, Protocol = 4, Scope = 0, Type = 1, Metric = 100, Mtu = 1400,
        });
    }

    [Fact]
    public void Malformed_length_is_rejected()
    {
        var act = () =>
        {
            var reader = new MessageReader(Hex.Bytes("ff000000 1000 0000 00000000 00000000"));
            reader.TryRead(out _);
        };

        act.Should().Throw<InvalidDataException>();
    }
}
