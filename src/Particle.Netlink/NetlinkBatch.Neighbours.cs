using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class NetlinkBatch
{
    /// <summary>ip neigh replace IP lladdr MAC dev #INDEX nud permanent (`ip neigh add` when !replace)</summary>
    public NetlinkBatch SetNeighbour(Neighbour neighbour, bool replace = true)
    {
        int start = Begin(Rtm.NEWNEIGH, (ushort)(Nlmsg.F_CREATE | (replace ? Nlmsg.F_REPLACE : Nlmsg.F_EXCL)));
        _writer.NdMsg(NetlinkWriter.Family(neighbour.Address), neighbour.Index, neighbour.State, 0);
        _writer.AttributeAddress(Nda.DST, neighbour.Address);
        if (neighbour.Mac is MacAddress mac)
        {
            _writer.AttributeMac(Nda.LLADDR, mac);
        }
        return End(start, Rtm.NEWNEIGH, neighbour.ToString());
    }

    /// <summary>ip neigh del IP dev #INDEX</summary>
    public NetlinkBatch DeleteNeighbour(Neighbour neighbour)
    {
        int start = Begin(Rtm.DELNEIGH, 0);
        _writer.NdMsg(NetlinkWriter.Family(neighbour.Address), neighbour.Index, 0, 0);
        _writer.AttributeAddress(Nda.DST, neighbour.Address);
        return End(start, Rtm.DELNEIGH, $"{neighbour.Address} dev #{neighbour.Index}");
    }

    /// <summary>bridge fdb append MAC dev #INDEX [dst IP] [vni VNI] self permanent — one more remote for the MAC
    /// (appending to the all-zero MAC is how a VXLAN flood list is built)</summary>
    public NetlinkBatch AppendFdb(FdbEntry entry) => Fdb(Rtm.NEWNEIGH, Nlmsg.F_CREATE | Nlmsg.F_APPEND, entry);

    /// <summary>bridge fdb replace MAC dev #INDEX [dst IP] [vni VNI] self permanent</summary>
    public NetlinkBatch ReplaceFdb(FdbEntry entry) => Fdb(Rtm.NEWNEIGH, Nlmsg.F_CREATE | Nlmsg.F_REPLACE, entry);

    /// <summary>bridge fdb del MAC dev #INDEX [dst IP] [vni VNI] self</summary>
    public NetlinkBatch DeleteFdb(FdbEntry entry) => Fdb(Rtm.DELNEIGH, 0, entry);

    private NetlinkBatch Fdb(ushort type, ushort flags, FdbEntry entry)
    {
        int start = Begin(type, flags);
        byte ntf = (byte)((entry.Self ? Nda.NTF_SELF : 0) | (entry.Master ? Nda.NTF_MASTER : 0));
        _writer.NdMsg(Nda.AF_BRIDGE, entry.Index, type == Rtm.DELNEIGH ? (ushort)0 : entry.State, ntf);
        _writer.AttributeMac(Nda.LLADDR, entry.Mac);
        if (entry.Destination is not null)
        {
            _writer.AttributeAddress(Nda.DST, entry.Destination);
        }
        if (entry.Vni is uint vni)
        {
            _writer.AttributeU32(Nda.VNI, vni);
        }
        return End(start, type, $"fdb {entry}");
    }
}
