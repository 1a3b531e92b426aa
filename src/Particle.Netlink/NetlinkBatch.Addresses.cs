using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class NetlinkBatch
{
    /// <summary>ip addr add ADDR/LEN [broadcast +] dev #INDEX (or `ip addr replace` when replace)</summary>
    public NetlinkBatch AddAddress(int index, InterfaceAddress address, bool replace = false)
    {
        int start = Begin(Rtm.NEWADDR, (ushort)(Nlmsg.F_CREATE | (replace ? Nlmsg.F_REPLACE : Nlmsg.F_EXCL)));
        AddressBody(index, address);
        // Without an explicit broadcast the kernel leaves it unset, unlike `ip addr add ... brd +` which
        // every CNI plugin effectively uses; /31 and /32 have no broadcast address.
        if (address.Family == AddressFamily.InterNetwork && address.PrefixLength < 31)
        {
            _writer.AttributeAddress(Ifa.BROADCAST, address.Broadcast);
        }
        return End(start, Rtm.NEWADDR, $"{address} dev #{index}");
    }

    /// <summary>ip addr del ADDR/LEN dev #INDEX</summary>
    public NetlinkBatch DeleteAddress(int index, InterfaceAddress address)
    {
        int start = Begin(Rtm.DELADDR, 0);
        AddressBody(index, address);
        return End(start, Rtm.DELADDR, $"{address} dev #{index}");
    }

    private void AddressBody(int index, InterfaceAddress address)
    {
        _writer.IfAddrMsg(NetlinkWriter.Family(address.Address), (byte)address.PrefixLength, Rta.RT_SCOPE_UNIVERSE, index);
        _writer.AttributeAddress(Ifa.LOCAL, address.Address);
        _writer.AttributeAddress(Ifa.ADDRESS, address.Address);
    }
}
