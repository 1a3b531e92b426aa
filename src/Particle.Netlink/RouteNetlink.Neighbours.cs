using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class RouteNetlink
{
    /// <inheritdoc cref="NetlinkBatch.SetNeighbour"/>
    public void SetNeighbour(Neighbour neighbour, bool replace = true) => Single(b => b.SetNeighbour(neighbour, replace));

    /// <inheritdoc cref="NetlinkBatch.DeleteNeighbour"/>
    public void DeleteNeighbour(Neighbour neighbour) => Single(b => b.DeleteNeighbour(neighbour));

    /// <summary>ip [-6] neigh show [dev #INDEX]</summary>
    public IReadOnlyList<Neighbour> DumpNeighbours(int? index = null, AddressFamily family = AddressFamily.InterNetwork)
    {
        byte af = family == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        List<Neighbour> all = Query<Neighbour>(DumpRequest(Rtm.GETNEIGH, Nda.NdMsgSize, af), "RTM_GETNEIGH", "dump", NeighbourParser.TryParseNeighbour);
        return index is int i ? all.FindAll(n => n.Index == i) : all;
    }

    /// <inheritdoc cref="NetlinkBatch.AppendFdb"/>
    public void AppendFdb(FdbEntry entry) => Single(b => b.AppendFdb(entry));

    /// <inheritdoc cref="NetlinkBatch.ReplaceFdb"/>
    public void ReplaceFdb(FdbEntry entry) => Single(b => b.ReplaceFdb(entry));

    /// <inheritdoc cref="NetlinkBatch.DeleteFdb"/>
    public void DeleteFdb(FdbEntry entry) => Single(b => b.DeleteFdb(entry));

    /// <summary>bridge fdb show [dev #INDEX]</summary>
    public IReadOnlyList<FdbEntry> DumpFdb(int? index = null)
    {
        List<FdbEntry> all = Query<FdbEntry>(DumpRequest(Rtm.GETNEIGH, Nda.NdMsgSize, Nda.AF_BRIDGE), "RTM_GETNEIGH", "fdb dump", NeighbourParser.TryParseFdb);
        return index is int i ? all.FindAll(e => e.Index == i) : all;
    }
}
