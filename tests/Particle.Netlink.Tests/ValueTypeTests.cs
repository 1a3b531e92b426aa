using System.Net;
using Particle.Linux;

namespace Particle.Netlink.Tests;

public sealed class ValueTypeTests
{
    [Theory]
    [InlineData("AA:bb:CC:dd:EE:ff", "aa:bb:cc:dd:ee:ff")]
    [InlineData("02-00-00-00-00-01", "02:00:00:00:00:01")]
    public void Mac_parses_and_prints_lowercase(string text, string expected)
    {
        MacAddress.Parse(text).ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("aa:bb:cc:dd:ee")]
    [InlineData("aa:bb:cc:dd:ee:gg")]
    [InlineData("aabbccddeeff")]
    public void Mac_rejects_garbage(string text)
    {
        MacAddress.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void Random_mac_is_local_unicast_and_varies()
    {
        MacAddress a = MacAddress.Random();
        byte first = a.GetBytes()[0];
        (first & 1).Should().Be(0);
        (first & 2).Should().Be(2);
        Enumerable.Range(0, 10).Select(_ => MacAddress.Random()).Distinct().Should().HaveCountGreaterThan(1);
        MacAddress.Zero.ToString().Should().Be("00:00:00:00:00:00");
        MacAddress.FromBytes(a.GetBytes()).Should().Be(a);
    }

    [Theory]
    [InlineData("10.1.0.5/16", "10.1.0.5/16", "10.1.0.0/16")]
    [InlineData("10.1.0.5", "10.1.0.5/32", "10.1.0.5/32")]
    [InlineData("fd00::5/64", "fd00::5/64", "fd00::/64")]
    public void Interface_address_round_trips(string text, string printed, string network)
    {
        InterfaceAddress a = InterfaceAddress.Parse(text);
        a.ToString().Should().Be(printed);
        a.Network.ToString().Should().Be(network);
        InterfaceAddress.Parse(printed).Should().Be(a);
    }

    [Theory]
    [InlineData("10.1.0.5/33")]
    [InlineData("10.1.0/8")]
    [InlineData("10.1.0.5/-1")]
    [InlineData("fd00::1/129")]
    public void Interface_address_rejects_garbage(string text)
    {
        InterfaceAddress.TryParse(text, out _).Should().BeFalse();
    }

    [Fact]
    public void Broadcast_sets_host_bits()
    {
        InterfaceAddress.Parse("10.1.0.5/16").Broadcast.Should().Be(IPAddress.Parse("10.1.255.255"));
    }

    [Fact]
    public void Netlink_exception_formats_and_classifies()
    {
        var e = new NetlinkException(Errno.EEXIST, "RTM_NEWLINK", "veth pc1234 (peer eth0)", "Link already exists");
        e.Message.Should().Be("RTM_NEWLINK veth pc1234 (peer eth0): EEXIST (File exists): Link already exists");
        e.IsExists.Should().BeTrue();
        e.IsNotFound.Should().BeFalse();

        new NetlinkException(Errno.ENODEV, "RTM_DELLINK", "x", null).IsNotFound.Should().BeTrue();
        new NetlinkException(Errno.EADDRNOTAVAIL, "RTM_DELADDR", "x", null).IsNotFound.Should().BeTrue();
        new NetlinkException(Errno.EADDRNOTAVAIL, "RTM_NEWROUTE", "x", null).IsNotFound.Should().BeFalse();
        new NetlinkException(Errno.ENETUNREACH, "RTM_NEWROUTE", "default via 1.2.3.4", null, 1, 3).Message
            .Should().Be("RTM_NEWROUTE default via 1.2.3.4 (batch request 2 of 3): ENETUNREACH (Network is unreachable)");
    }
}
