using System.Net;
using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>RTM_NEWRULE replies into FibRule records.</summary>
internal static class RuleParser
{
    public static bool TryParse(NetlinkMessage message, out FibRule rule)
    {
        rule = null!;
        if (message.Type != Rtm.NEWRULE || message.Payload.Length < Fra.FibRuleHdrSize)
        {
            return false;
        }
        ReadOnlySpan<byte> header = message.Payload;
        byte dstLength = header[1], srcLength = header[2];
        uint table = header[4];
        uint priority = 0;
        byte protocol = 0;
        IPAddress? destination = null, source = null;
        string? iif = null, oif = null;
        AttributeReader attributes = message.Attributes(Fra.FibRuleHdrSize);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Fra.PRIORITY: priority = AttributeReader.U32(value); break;
                case Fra.TABLE: table = AttributeReader.U32(value); break;
                case Fra.DST: destination = new IPAddress(value); break;
                case Fra.SRC: source = new IPAddress(value); break;
                case Fra.IIFNAME: iif = AttributeReader.String(value); break;
                case Fra.OIFNAME: oif = AttributeReader.String(value); break;
                case Fra.PROTOCOL: protocol = value[0]; break;
            }
        }
        rule = new FibRule
        {
            Family = header[0] == 10 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork,
            Priority = priority,
            Action = header[7],
            Table = table,
            InputInterface = iif,
            OutputInterface = oif,
            Destination = destination is null ? null : new InterfaceAddress(destination, dstLength),
            Source = source is null ? null : new InterfaceAddress(source, srcLength),
            Protocol = protocol,
        };
        return true;
    }
}
