using Particle.Netlink.Wire;

namespace Particle.Netlink.Tests.Fuzz;

/// <summary>What the reply fuzzer found (each threw ArgumentOutOfRangeException before): now InvalidDataException.</summary>
public sealed class ReplyParserRegressionTests
{
    [Fact]
    public void Error_echo_length_near_int_max_does_not_wrap_into_a_negative_offset()
    {
        // NLMSG_ERROR with ACK_TLVS, not capped, and an echoed length of 0xCB2EF005.
        var reader = new MessageReader(Hex.Bytes("18000000 0200 2d1e 00000000 00000000 8faa8858 05f02ecb"));
        reader.TryRead(out NetlinkMessage message).Should().BeTrue();
        RouteNetlink.ParseError(message).Errno.Should().NotBe(0);
    }

    [Theory]
    [InlineData("26000000 1000 0000 00000000 00000000 00000000 01000000 00000000 00000000 0600 0400 dc05")] // IFLA_MTU of 2 bytes
    [InlineData("1c000000 1400 0000 00000000 00000000 0218 0000 01000000 0700 0200 0a0000")]               // IFA_ADDRESS of 3 bytes
    [InlineData("1c000000 1400 0000 00000000 00000000 02c0 0000 01000000 0800 0200 0a000001")]             // IPv4 address with prefix 192
    // IFLA_LINKINFO { IFLA_INFO_KIND "vxlan", IFLA_INFO_DATA { IFLA_VXLAN_TTL of 0 bytes } } (found by a 20 s run)
    [InlineData("38000000 1000 0000 00000000 00000000 00000000 01000000 00000000 00000000 1800 1200 0a00 0100 7678 6c61 6e00 0000 0800 0200 0400 0500")]
    public void Malformed_values_are_invalid_data(string hex)
    {
        byte[] datagram = Hex.Bytes(hex);
        var parse = () =>
        {
            var reader = new MessageReader(datagram);
            reader.TryRead(out NetlinkMessage message).Should().BeTrue();
            LinkParser.TryParse(message, out _);
            AddressParser.TryParse(message, out _);
        };
        parse.Should().Throw<InvalidDataException>();
    }
}
