using Particle.Linux;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class NetlinkBatch
{
    /// <summary>ip link add NAME [mtu M] [address MAC] [master M] [up] type veth peer name PEER [address MAC] [netns NS]</summary>
    public NetlinkBatch CreateVeth(VethSpec spec)
    {
        int start = Begin(Rtm.NEWLINK, Nlmsg.F_CREATE | Nlmsg.F_EXCL);
        _writer.IfInfoMsg(0, UpFlag(spec.Up), UpFlag(spec.Up));
        _writer.AttributeString(Ifla.IFNAME, spec.Name);
        LinkOptions(spec.Mtu, spec.Mac);
        if (spec.MasterIndex is int master)
        {
            _writer.AttributeI32(Ifla.MASTER, master);
        }
        if (spec.Group is uint group)
        {
            _writer.AttributeU32(Ifla.GROUP, group);
        }
        using (_writer.Nested(Ifla.LINKINFO))
        {
            _writer.AttributeStringRaw(Ifla.INFO_KIND, "veth");
            using (_writer.Nested(Ifla.INFO_DATA))
            using (_writer.Nested(Ifla.VETH_INFO_PEER))
            {
                // The peer is described by a whole ifinfomsg plus link attributes, like a nested RTM_NEWLINK.
                // Its flags stay 0: the kernel opens the peer before pairing it and refuses IFF_UP (ENOTCONN).
                _writer.IfInfoMsg(0);
                _writer.AttributeString(Ifla.IFNAME, spec.PeerName);
                LinkOptions(spec.Mtu, spec.PeerMac);
                if (spec.PeerNamespace is NetworkNamespace ns)
                {
                    _writer.AttributeI32(Ifla.NET_NS_FD, ns.Fd);
                }
            }
        }
        End(start, Rtm.NEWLINK, $"veth {spec.Name} (peer {spec.PeerName})");
        if (spec.PeerUp && spec.PeerNamespace is NetworkNamespace peerNs)
        {
            // Neither RTM_SETLINK nor RTM_NEWLINK finds a device through IFLA_TARGET_NETNSID, so peers in
            // another namespace are brought up after the commit, from a socket inside that namespace.
            _peersToBringUp.Add((peerNs, spec.PeerName));
        }
        else if (spec.PeerUp)
        {
            // Same namespace: one more request in the same sendmsg, so still one round trip.
            SetUp(spec.PeerName);
        }
        return this;
    }

    /// <summary>ip link add NAME [mtu M] [address MAC] [up] type bridge</summary>
    public NetlinkBatch CreateBridge(string name, int? mtu = null, MacAddress? mac = null, bool up = false)
    {
        int start = Begin(Rtm.NEWLINK, Nlmsg.F_CREATE | Nlmsg.F_EXCL);
        _writer.IfInfoMsg(0, UpFlag(up), UpFlag(up));
        _writer.AttributeString(Ifla.IFNAME, name);
        LinkOptions(mtu, mac);
        using (_writer.Nested(Ifla.LINKINFO))
        {
            _writer.AttributeStringRaw(Ifla.INFO_KIND, "bridge");
        }
        return End(start, Rtm.NEWLINK, $"bridge {name}");
    }

    /// <summary>ip link add NAME type vxlan id VNI dstport PORT [local IP] [dev UNDERLAY] [no]learning [ttl T] [[no]udpcsum]</summary>
    public NetlinkBatch CreateVxlan(VxlanSpec spec)
    {
        int start = Begin(Rtm.NEWLINK, Nlmsg.F_CREATE | Nlmsg.F_EXCL);
        _writer.IfInfoMsg(0, UpFlag(spec.Up), UpFlag(spec.Up));
        _writer.AttributeString(Ifla.IFNAME, spec.Name);
        LinkOptions(spec.Mtu, spec.Mac);
        using (_writer.Nested(Ifla.LINKINFO))
        {
            _writer.AttributeStringRaw(Ifla.INFO_KIND, "vxlan");
            using (_writer.Nested(Ifla.INFO_DATA))
            {
                _writer.AttributeU32(Ifla.VXLAN_ID, spec.Vni);
                if (spec.UnderlayIndex is int link)
                {
                    _writer.AttributeI32(Ifla.VXLAN_LINK, link);
                }
                if (spec.Local is not null)
                {
                    ushort type = spec.Local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                        ? Ifla.VXLAN_LOCAL6
                        : Ifla.VXLAN_LOCAL;
                    _writer.AttributeAddress(type, spec.Local);
                }
                if (spec.Ttl is byte ttl)
                {
                    _writer.AttributeU8(Ifla.VXLAN_TTL, ttl);
                }
                _writer.AttributeU8(Ifla.VXLAN_LEARNING, spec.Learning ? (byte)1 : (byte)0);
                _writer.AttributeU16BigEndian(Ifla.VXLAN_PORT, spec.Port);
                if (spec.UdpChecksum is bool csum)
                {
                    _writer.AttributeU8(Ifla.VXLAN_UDP_CSUM, csum ? (byte)1 : (byte)0);
                }
            }
        }
        return End(start, Rtm.NEWLINK, $"vxlan {spec.Name} (vni {spec.Vni})");
    }

    /// <summary>ip link set dev #INDEX up</summary>
    public NetlinkBatch SetUp(int index) => SetLink(index, Ifla.IFF_UP, Ifla.IFF_UP, "up");

    /// <summary>ip link set dev NAME up</summary>
    public NetlinkBatch SetUp(string name)
    {
        int start = Begin(Rtm.SETLINK, 0);
        _writer.IfInfoMsg(0, Ifla.IFF_UP, Ifla.IFF_UP);
        _writer.AttributeString(Ifla.IFNAME, name);
        return End(start, Rtm.SETLINK, $"{name} up");
    }

    /// <summary>ip link set dev #INDEX down</summary>
    public NetlinkBatch SetDown(int index) => SetLink(index, 0, Ifla.IFF_UP, "down");

    /// <summary>ip link set dev #INDEX mtu MTU</summary>
    public NetlinkBatch SetMtu(int index, int mtu)
    {
        int start = BeginSetLink(index);
        _writer.AttributeI32(Ifla.MTU, mtu);
        return End(start, Rtm.SETLINK, $"#{index} mtu {mtu}");
    }

    /// <summary>sysctl net.ipv4.conf.DEV.forwarding=0|1 for device #INDEX, through IFLA_AF_SPEC: routing
    /// packets that arrive on that device, without turning forwarding on for every interface of the node</summary>
    public NetlinkBatch SetIpv4Forwarding(int index, bool on) => SetIpv4Conf(index, Ifla.IPV4_DEVCONF_FORWARDING, on, "forwarding");

    /// <summary>sysctl net.ipv4.conf.DEV.proxy_arp=0|1 for device #INDEX, through IFLA_AF_SPEC: the device answers
    /// ARP for addresses the node routes through another device</summary>
    public NetlinkBatch SetProxyArp(int index, bool on) => SetIpv4Conf(index, Ifla.IPV4_DEVCONF_PROXY_ARP, on, "proxy_arp");

    private NetlinkBatch SetIpv4Conf(int index, ushort setting, bool on, string name)
    {
        int start = BeginSetLink(index);
        using (_writer.Nested(Ifla.AF_SPEC))
        using (_writer.Nested(2)) // AF_INET
        using (_writer.Nested(Ifla.INET_CONF))
        {
            _writer.AttributeU32(setting, on ? 1u : 0u);
        }
        return End(start, Rtm.SETLINK, $"#{index} ipv4 {name} {(on ? 1 : 0)}");
    }

    /// <summary>ip link set dev #INDEX master #MASTER (0: nomaster)</summary>
    public NetlinkBatch SetMaster(int index, int masterIndex)
    {
        int start = BeginSetLink(index);
        _writer.AttributeI32(Ifla.MASTER, masterIndex);
        return End(start, Rtm.SETLINK, masterIndex == 0 ? $"#{index} nomaster" : $"#{index} master #{masterIndex}");
    }

    /// <summary>ip link set dev #INDEX netns NS (the device goes down and loses its addresses and routes)</summary>
    public NetlinkBatch SetNamespace(int index, NetworkNamespace ns)
    {
        int start = BeginSetLink(index);
        _writer.AttributeI32(Ifla.NET_NS_FD, ns.Fd);
        return End(start, Rtm.SETLINK, $"#{index} netns {ns.Path}");
    }

    /// <summary>ip link set dev #INDEX netns NS name NAME: moved and renamed in one request (the kernel takes
    /// IFLA_IFNAME as the name in the target namespace). The device arrives down and without addresses.</summary>
    public NetlinkBatch MoveTo(int index, NetworkNamespace ns, string name)
    {
        int start = BeginSetLink(index);
        _writer.AttributeI32(Ifla.NET_NS_FD, ns.Fd);
        _writer.AttributeString(Ifla.IFNAME, name);
        return End(start, Rtm.SETLINK, $"#{index} netns {ns.Path} name {name}");
    }

    /// <summary>ip link set dev #INDEX group GROUP</summary>
    public NetlinkBatch SetGroup(int index, uint group)
    {
        int start = BeginSetLink(index);
        _writer.AttributeU32(Ifla.GROUP, group);
        return End(start, Rtm.SETLINK, $"#{index} group {group}");
    }

    /// <summary>ip link del group GROUP: every device of the group in one unregister, so the kernel's
    /// per-unregister synchronisation (RCU grace periods, the device-free barrier) is paid once for all.</summary>
    public NetlinkBatch DeleteGroup(uint group)
    {
        if (group == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(group), "group 0 is every device's default group");
        }
        int start = Begin(Rtm.DELLINK, 0);
        _writer.IfInfoMsg(0);
        _writer.AttributeU32(Ifla.GROUP, group);
        return End(start, Rtm.DELLINK, $"group {group}");
    }

    /// <summary>ip link set dev #INDEX name NAME</summary>
    public NetlinkBatch Rename(int index, string name)
    {
        int start = BeginSetLink(index);
        _writer.AttributeString(Ifla.IFNAME, name);
        return End(start, Rtm.SETLINK, $"#{index} name {name}");
    }

    /// <summary>ip link set dev #INDEX address MAC</summary>
    public NetlinkBatch SetMac(int index, MacAddress mac)
    {
        int start = BeginSetLink(index);
        _writer.AttributeMac(Ifla.ADDRESS, mac);
        return End(start, Rtm.SETLINK, $"#{index} address {mac}");
    }

    /// <summary>ip link del dev #INDEX</summary>
    public NetlinkBatch DeleteLink(int index)
    {
        int start = Begin(Rtm.DELLINK, 0);
        _writer.IfInfoMsg(index);
        return End(start, Rtm.DELLINK, $"#{index}");
    }

    /// <summary>ip link del dev NAME</summary>
    public NetlinkBatch DeleteLink(string name)
    {
        int start = Begin(Rtm.DELLINK, 0);
        _writer.IfInfoMsg(0);
        _writer.AttributeString(Ifla.IFNAME, name);
        return End(start, Rtm.DELLINK, name);
    }

    private NetlinkBatch SetLink(int index, uint flags, uint change, string what)
    {
        int start = Begin(Rtm.SETLINK, 0);
        _writer.IfInfoMsg(index, flags, change);
        return End(start, Rtm.SETLINK, $"#{index} {what}");
    }

    private int BeginSetLink(int index)
    {
        int start = Begin(Rtm.SETLINK, 0);
        _writer.IfInfoMsg(index);
        return start;
    }

    private void LinkOptions(int? mtu, MacAddress? mac)
    {
        if (mtu is int m)
        {
            _writer.AttributeI32(Ifla.MTU, m);
        }
        if (mac is MacAddress address)
        {
            _writer.AttributeMac(Ifla.ADDRESS, address);
        }
    }

    private static uint UpFlag(bool up) => up ? Ifla.IFF_UP : 0;
}
