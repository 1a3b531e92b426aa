using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>RTM_NEWLINK replies into Link records.</summary>
internal static class LinkParser
{
    public static bool TryParse(NetlinkMessage message, out Link link)
    {
        link = null!;
        if (message.Type != Rtm.NEWLINK || message.Payload.Length < Ifla.IfInfoMsgSize)
        {
            return false;
        }
        int index = message.Read<int>(4);
        uint flags = message.Read<uint>(8);
        string name = "";
        string? kind = null;
        string? alias = null;
        int mtu = 0;
        MacAddress? mac = null;
        int? master = null, parent = null, netnsId = null;
        uint? operState = null;
        uint group = 0;
        VxlanInfo? vxlan = null;
        AttributeReader attributes = message.Attributes(Ifla.IfInfoMsgSize);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Ifla.IFNAME: name = AttributeReader.String(value); break;
                case Ifla.MTU: mtu = AttributeReader.I32(value); break;
                case Ifla.ADDRESS when value.Length == 6: mac = MacAddress.FromBytes(value); break;
                case Ifla.MASTER: master = AttributeReader.I32(value); break;
                case Ifla.LINK: parent = AttributeReader.I32(value); break;
                case Ifla.IFALIAS: alias = AttributeReader.String(value); break;
                case Ifla.LINK_NETNSID: netnsId = AttributeReader.I32(value); break;
                case Ifla.OPERSTATE: operState = AttributeReader.U8(value); break;
                case Ifla.LINKINFO: (kind, vxlan) = ParseLinkInfo(value); break;
                case Ifla.GROUP: group = AttributeReader.U32(value); break;
            }
        }
        link = new Link
        {
            Index = index,
            Name = name,
            Kind = kind,
            Mtu = mtu,
            Mac = mac,
            MasterIndex = master,
            ParentIndex = parent,
            Flags = flags,
            Alias = alias,
            LinkNetnsId = netnsId,
            OperState = operState,
            Vxlan = vxlan,
            Group = group,
        };
        return true;
    }

    private static (string? Kind, VxlanInfo? Vxlan) ParseLinkInfo(ReadOnlySpan<byte> linkInfo)
    {
        string? kind = null;
        ReadOnlySpan<byte> data = default;
        var attributes = new AttributeReader(linkInfo);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Ifla.INFO_KIND)
            {
                kind = AttributeReader.String(value);
            }
            else if (type == Ifla.INFO_DATA)
            {
                data = value;
            }
        }
        return (kind, kind == "vxlan" ? ParseVxlan(data) : null);
    }

    private static VxlanInfo ParseVxlan(ReadOnlySpan<byte> data)
    {
        var info = new VxlanInfo();
        var attributes = new AttributeReader(data);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            info = type switch
            {
                Ifla.VXLAN_ID => info with { Vni = AttributeReader.U32(value) },
                Ifla.VXLAN_PORT => info with { Port = AttributeReader.U16BigEndian(value) },
                Ifla.VXLAN_LOCAL or Ifla.VXLAN_LOCAL6 => info with { Local = AttributeReader.Address(value) },
                Ifla.VXLAN_LINK => info with { Link = AttributeReader.I32(value) },
                Ifla.VXLAN_LEARNING => info with { Learning = AttributeReader.U8(value) != 0 },
                Ifla.VXLAN_TTL => info with { Ttl = AttributeReader.U8(value) },
                Ifla.VXLAN_UDP_CSUM => info with { UdpChecksum = AttributeReader.U8(value) != 0 },
                _ => info,
            };
        }
        return info;
    }
}
