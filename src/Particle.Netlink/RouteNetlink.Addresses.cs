using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class RouteNetlink
{
    /// <inheritdoc cref="NetlinkBatch.AddAddress"/>
    public void AddAddress(int index, InterfaceAddress address, bool replace = false) =>
        Single(b => b.AddAddress(index, address, replace));

    /// <inheritdoc cref="NetlinkBatch.DeleteAddress"/>
    public void DeleteAddress(int index, InterfaceAddress address) => Single(b => b.DeleteAddress(index, address));

    /// <summary>ip addr show [dev #INDEX] (IPv4 and IPv6)</summary>
    public IReadOnlyList<AddressEntry> DumpAddresses(int? index = null)
    {
        List<AddressEntry> all = Query<AddressEntry>(DumpRequest(Rtm.GETADDR, Ifa.IfAddrMsgSize, 0), "RTM_GETADDR", "dump", AddressParser.TryParse);
        return index is int i ? all.FindAll(a => a.Index == i) : all;
    }
}
