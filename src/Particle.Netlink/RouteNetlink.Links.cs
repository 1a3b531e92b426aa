using Particle.Linux;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class RouteNetlink
{
    /// <summary>ip link show dev NAME; null when there is no such link.</summary>
    public Link? GetLink(string name)
    {
        NetlinkWriter request = new();
        int start = request.BeginMessage(Rtm.GETLINK, Nlmsg.F_REQUEST);
        request.IfInfoMsg(0);
        request.AttributeString(Ifla.IFNAME, name);
        request.EndMessage(start);
        return GetLink(request, name);
    }

    /// <summary>ip link show dev #INDEX; null when there is no such link.</summary>
    public Link? GetLink(int index)
    {
        NetlinkWriter request = new();
        int start = request.BeginMessage(Rtm.GETLINK, Nlmsg.F_REQUEST);
        request.IfInfoMsg(index);
        request.EndMessage(start);
        return GetLink(request, $"#{index}");
    }

    /// <summary>ip link show</summary>
    public IReadOnlyList<Link> DumpLinks() =>
        Query<Link>(DumpRequest(Rtm.GETLINK, Ifla.IfInfoMsgSize, 0), "RTM_GETLINK", "dump", LinkParser.TryParse);

    /// <inheritdoc cref="NetlinkBatch.CreateVeth"/>
    public void CreateVeth(VethSpec spec) => Single(b => b.CreateVeth(spec));

    /// <inheritdoc cref="NetlinkBatch.CreateBridge"/>
    public void CreateBridge(string name, int? mtu = null, MacAddress? mac = null, bool up = false) =>
        Single(b => b.CreateBridge(name, mtu, mac, up));

    /// <inheritdoc cref="NetlinkBatch.CreateVxlan"/>
    public void CreateVxlan(VxlanSpec spec) => Single(b => b.CreateVxlan(spec));

    /// <inheritdoc cref="NetlinkBatch.SetUp"/>
    public void SetUp(int index) => Single(b => b.SetUp(index));

    /// <inheritdoc cref="NetlinkBatch.SetDown"/>
    public void SetDown(int index) => Single(b => b.SetDown(index));

    /// <inheritdoc cref="NetlinkBatch.SetMtu"/>
    public void SetMtu(int index, int mtu) => Single(b => b.SetMtu(index, mtu));

    /// <inheritdoc cref="NetlinkBatch.SetIpv4Forwarding"/>
    public void SetIpv4Forwarding(int index, bool on) => Single(b => b.SetIpv4Forwarding(index, on));

    /// <inheritdoc cref="NetlinkBatch.SetMaster"/>
    public void SetMaster(int index, int masterIndex) => Single(b => b.SetMaster(index, masterIndex));

    /// <inheritdoc cref="NetlinkBatch.SetNamespace"/>
    public void SetNamespace(int index, NetworkNamespace ns) => Single(b => b.SetNamespace(index, ns));

    /// <inheritdoc cref="NetlinkBatch.MoveTo"/>
    public void MoveTo(int index, NetworkNamespace ns, string name) => Single(b => b.MoveTo(index, ns, name));

    /// <inheritdoc cref="NetlinkBatch.SetGroup"/>
    public void SetGroup(int index, uint group) => Single(b => b.SetGroup(index, group));

    /// <summary>ip link del group GROUP; false when no device was in it.</summary>
    public bool DeleteGroup(uint group)
    {
        try
        {
            Single(b => b.DeleteGroup(group));
            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <inheritdoc cref="NetlinkBatch.Rename"/>
    public void Rename(int index, string name) => Single(b => b.Rename(index, name));

    /// <inheritdoc cref="NetlinkBatch.SetMac"/>
    public void SetMac(int index, MacAddress mac) => Single(b => b.SetMac(index, mac));

    /// <inheritdoc cref="NetlinkBatch.DeleteLink(int)"/>
    public void DeleteLink(int index) => Single(b => b.DeleteLink(index));

    /// <summary>ip link del dev NAME; false when it did not exist. Deleting a veth end removes its peer too.</summary>
    public bool DeleteLink(string name)
    {
        try
        {
            Single(b => b.DeleteLink(name));
            return true;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    private Link? GetLink(NetlinkWriter request, string obj)
    {
        try
        {
            List<Link> links = Query<Link>(request, "RTM_GETLINK", obj, LinkParser.TryParse);
            return links.Count > 0 ? links[0] : null;
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>A dump request: NLM_F_DUMP and a zeroed family header with only the family set.</summary>
    internal static NetlinkWriter DumpRequest(ushort type, int familyHeaderSize, byte family)
    {
        NetlinkWriter request = new();
        int start = request.BeginMessage(type, Nlmsg.F_REQUEST | Nlmsg.F_DUMP);
        request.Reserve(familyHeaderSize)[0] = family;
        request.EndMessage(start);
        return request;
    }
}
