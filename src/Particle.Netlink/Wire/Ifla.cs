namespace Particle.Netlink.Wire;

/// <summary>Link attributes (linux/if_link.h, linux/veth.h) and interface flags (linux/if.h).</summary>
public static class Ifla
{
    public const int IfInfoMsgSize = 16;

    public const uint IFF_UP = 0x1;

    public const ushort ADDRESS = 1;
    public const ushort IFNAME = 3;
    public const ushort MTU = 4;
    public const ushort LINK = 5;
    public const ushort MASTER = 10;
    public const ushort OPERSTATE = 16;
    public const ushort LINKINFO = 18;
    public const ushort IFALIAS = 20;
    public const ushort AF_SPEC = 26;
    public const ushort GROUP = 27;
    public const ushort NET_NS_FD = 28;
    public const ushort LINK_NETNSID = 37;

    /// <summary>IFLA_INET_CONF inside IFLA_AF_SPEC/AF_INET: per-device IPv4 settings (the sysctls of net.ipv4.conf.DEV).</summary>
    public const ushort INET_CONF = 1;
    public const ushort IPV4_DEVCONF_FORWARDING = 1;
    public const ushort IPV4_DEVCONF_PROXY_ARP = 3;

    public const ushort INFO_KIND = 1;
    public const ushort INFO_DATA = 2;

    public const ushort VETH_INFO_PEER = 1;

    public const ushort VXLAN_ID = 1;
    public const ushort VXLAN_LINK = 3;
    public const ushort VXLAN_LOCAL = 4;
    public const ushort VXLAN_TTL = 5;
    public const ushort VXLAN_LEARNING = 7;
    public const ushort VXLAN_PORT = 15;
    public const ushort VXLAN_LOCAL6 = 17;
    public const ushort VXLAN_UDP_CSUM = 18;
}
