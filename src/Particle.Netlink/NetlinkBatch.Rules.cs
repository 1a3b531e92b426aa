using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class NetlinkBatch
{
    /// <summary>ip rule add [from SRC] [to DST] [iif NAME] [oif NAME] pref P (lookup T | prohibit | unreachable | blackhole) [protocol P]</summary>
    public NetlinkBatch AddRule(FibRule rule)
    {
        int start = Begin(Rtm.NEWRULE, Nlmsg.F_CREATE | Nlmsg.F_EXCL);
        RuleBody(rule);
        return End(start, Rtm.NEWRULE, rule.ToString());
    }

    /// <summary>ip rule del … — the kernel deletes the first rule matching every selector given.</summary>
    public NetlinkBatch DeleteRule(FibRule rule)
    {
        int start = Begin(Rtm.DELRULE, 0);
        RuleBody(rule);
        return End(start, Rtm.DELRULE, rule.ToString());
    }

    private void RuleBody(FibRule rule)
    {
        byte family = rule.Family == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        // Tables above 255 only fit FRA_TABLE; the header field then stays 0.
        byte table = rule.Action == Fra.FR_ACT_TO_TBL && rule.Table < 256 ? (byte)rule.Table : (byte)0;
        _writer.FibRuleHdr(family, (byte)(rule.Destination?.PrefixLength ?? 0), (byte)(rule.Source?.PrefixLength ?? 0), table, rule.Action);
        _writer.AttributeU32(Fra.PRIORITY, rule.Priority);
        if (rule.Action == Fra.FR_ACT_TO_TBL)
        {
            _writer.AttributeU32(Fra.TABLE, rule.Table);
        }
        if (rule.Destination is InterfaceAddress destination)
        {
            _writer.AttributeAddress(Fra.DST, destination.Network.Address);
        }
        if (rule.Source is InterfaceAddress source)
        {
            _writer.AttributeAddress(Fra.SRC, source.Network.Address);
        }
        if (rule.InputInterface is not null)
        {
            _writer.AttributeString(Fra.IIFNAME, rule.InputInterface);
        }
        if (rule.OutputInterface is not null)
        {
            _writer.AttributeString(Fra.OIFNAME, rule.OutputInterface);
        }
        if (rule.Protocol != 0)
        {
            _writer.AttributeU8(Fra.PROTOCOL, rule.Protocol);
        }
    }
}
