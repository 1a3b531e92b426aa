using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>RTM_NEWADDR replies into AddressEntry records.</summary>
internal static class AddressParser
{
    public static bool TryParse(NetlinkMessage message, out AddressEntry entry)
    {
        entry = null!;
        if (message.Type != Rtm.NEWADDR || message.Payload.Length < Ifa.IfAddrMsgSize)
        {
            return false;
        }
        byte prefix = message.Payload[1];
        byte scope = message.Payload[3];
        int index = message.Read<int>(4);
        IPAddress? local = null, address = null;
        string? label = null;
        AttributeReader attributes = message.Attributes(Ifa.IfAddrMsgSize);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Ifa.LOCAL: local = AttributeReader.Address(value); break;
                case Ifa.ADDRESS: address = AttributeReader.Address(value); break;
                case Ifa.LABEL: label = AttributeReader.String(value); break;
            }
        }
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links and the
        // only one present for IPv6.
        IPAddress? own = local ?? address;
        if (own is null)
        {
            return false;
        }
        entry = new AddressEntry { Index = index, Address = AttributeReader.Prefixed(own, prefix), Scope = scope, Label = label };
        return true;
    }
}
