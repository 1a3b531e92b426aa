using Particle.Netlink.Wire;

namespace Particle.Netlink.Tests;

public sealed class RuleEncodingTests
{
    [Fact]
    public void Lookup_rule_by_incoming_interface_in_a_large_table()
    {
        var batch = new NetlinkBatch(null).AddRule(new FibRule { Priority = 1000, Table = 10100, InputInterface = "br0", Protocol = 0x70 });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "3c000000 2000 0506 01000000 00000000",          // RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE
            "02 00 00 00 00 00 00 01 00000000",              // fib_rule_hdr: AF_INET, table in FRA_TABLE, FR_ACT_TO_TBL
            "0800 0600 e8030000",                            // FRA_PRIORITY 1000
            "0800 0f00 74270000",                            // FRA_TABLE 10100
            "0800 0300 62723000",                            // FRA_IIFNAME "br0\0"
            "0500 1500 70000000"));                          // FRA_PROTOCOL 0x70
    }

    [Fact]
    public void Lookup_rule_for_a_destination_in_a_small_table()
    {
        var batch = new NetlinkBatch(null).AddRule(new FibRule
        {
            Priority = 7, Table = 100, InputInterface = "lo", Destination = InterfaceAddress.Parse("10.244.0.0/16"),
        });

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "3c000000 2000 0506 01000000 00000000",
            "02 10 00 00 64 00 00 01 00000000",              // dst_len 16, table 100 in the header too
            "0800 0600 07000000",
            "0800 0f00 64000000",
            "0800 0100 0af40000",                            // FRA_DST 10.244.0.0
            "0700 0300 6c6f0000"));                          // FRA_IIFNAME "lo\0"
    }

    [Fact]
    public void Prohibit_rule_has_no_table()
    {
        var batch = new NetlinkBatch(null).DeleteRule(new FibRule { Priority = 1001, Action = Fra.FR_ACT_PROHIBIT, InputInterface = "vx0" });

        Hex.From(batch.Encode(5, 9)).Should().Be(Hex.Of(
            "2c000000 2100 0500 05000000 09000000",          // RTM_DELRULE, REQUEST|ACK
            "02 00 00 00 00 00 00 08 00000000",              // FR_ACT_PROHIBIT
            "0800 0600 e9030000",
            "0800 0300 76783000"));
    }

    [Fact]
    public void Ipv4_forwarding_on_one_device()
    {
        var batch = new NetlinkBatch(null).SetIpv4Forwarding(3, true);

        Hex.From(batch.Encode(1, 0)).Should().Be(Hex.Of(
            "34000000 1300 0500 01000000 00000000",          // RTM_SETLINK, REQUEST|ACK
            "00 00 0000 03000000 00000000 00000000",         // ifinfomsg #3
            "1400 1a00",                                     // IFLA_AF_SPEC
            "1000 0200",                                     //   AF_INET
            "0c00 0100",                                     //     IFLA_INET_CONF
            "0800 0100 01000000"));                          //       IPV4_DEVCONF_FORWARDING = 1
    }
}
