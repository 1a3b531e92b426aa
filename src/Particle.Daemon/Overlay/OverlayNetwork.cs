using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Cluster;
using Particle.Daemon.Configuration;
using Particle.Daemon.Metrics;
using Particle.Netlink;
using Particle.Netlink.Wire;

namespace Particle.Daemon.Overlay;

/// <summary>
/// One tenant network's share of the overlay on this node, flannel-style without multicast: per remote
/// node one route to its subnet (via its subnet's network address, onlink, through the VXLAN device), one
/// permanent neighbour (that address → the remote VTEP MAC) and one FDB entry
/// (that MAC → the remote underlay address). Level-triggered: each membership snapshot, and a periodic
/// resync, make the kernel match the latest snapshot — missing entries added, changed ones replaced,
/// departed ones deleted — so a restarted daemon adopts what it finds and never duplicates it.
/// </summary>
public sealed class OverlayNetwork(OverlaySettings overlay, NetworkDefinition network, NodeLease self, Underlay underlay,
    RouteNetlink node, ILogger log)
{
    private readonly Lock _lock = new();
    private IReadOnlyList<NodeLease>? _latest;
    private Link? _vxlan;
    private Dictionary<IPNetwork, string> _programmed = [];
    private (int Routes, int Neighbours, int Fdb) _entries;
    private DateTimeOffset? _lastSync;
    private string? _lastError;

    public OverlaySettings Settings => overlay;
    public NetworkDefinition Network => network;
    public NodeLease Self => self;

    /// <summary>The node subnet's network address, the VXLAN device's own /32 and the next hop peers route to.</summary>
    public static IPAddress TunnelAddress(IPNetwork subnet) => subnet.BaseAddress;

    /// <summary>The VXLAN device; pods are routed by the node (the data plane turned forwarding on).</summary>
    public void Setup()
    {
        lock (_lock)
        {
            _vxlan = VxlanDevice.Ensure(node, overlay, underlay, self.VtepMac, network.Mtu,
                new InterfaceAddress(TunnelAddress(self.Subnet), 32), log);
            log.LogInformation("network {Network}: vxlan {Device} vni {Vni} port {Port} mtu {Mtu} mac {Mac}, node subnet {Subnet}",
                network.Name, overlay.Device, overlay.Vni, overlay.Port, network.Mtu, self.VtepMac, self.Subnet);
        }
    }

    /// <summary>Makes the kernel match <paramref name="leases"/> (the whole membership of the network).</summary>
    public void Apply(IReadOnlyList<NodeLease> leases)
    {
        lock (_lock)
        {
            _latest = leases;
            Reconcile(leases);
            _lastSync = DateTimeOffset.UtcNow;
        }
    }

    /// <summary>What is programmed now, for the overlay gauges, particlectl status and /readyz.</summary>
    public (int RemoteNodes, int Routes, int Neighbours, int Fdb, DateTimeOffset? LastSync, string? LastError) Levels()
    {
        lock (_lock)
            return (_programmed.Count, _entries.Routes, _entries.Neighbours, _entries.Fdb, _lastSync, _lastError);
    }

    /// <summary>Remembers why the last programming failed (cleared by the next success), for status and events.</summary>
    public void Failed(string error)
    {
        lock (_lock)
            _lastError = error;
    }

    /// <summary>Repairs drift (an entry someone deleted) against the latest snapshot.</summary>
    public void Resync()
    {
        lock (_lock)
        {
            if (_latest is not null)
                Reconcile(_latest);
        }
    }

    /// <summary>The remote nodes worth programming: other nodes, with a subnet of the right size inside the cluster
    /// CIDR that overlaps neither ours nor an earlier peer's.</summary>
    public List<NodeLease> PeersOf(IReadOnlyList<NodeLease> leases)
    {
        var peers = new List<NodeLease>();
        foreach (var lease in leases.OrderBy(l => l.Node, StringComparer.Ordinal))
        {
            if (lease.Node == self.Node || lease.Network != network.Name)
                continue;
            string? problem =
                lease.Subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork || lease.Subnet.PrefixLength != overlay.NodeSubnetLength
                    || !overlay.ClusterCidr.Contains(lease.Subnet.BaseAddress) ? $"subnet {lease.Subnet} is not a /{overlay.NodeSubnetLength} of {overlay.ClusterCidr}"
                : Overlaps(lease.Subnet, self.Subnet) ? $"subnet {lease.Subnet} overlaps this node's"
                : peers.FirstOrDefault(p => Overlaps(p.Subnet, lease.Subnet)) is { } clash ? $"subnet {lease.Subnet} overlaps node {clash.Node}'s"
                : lease.Underlay.AddressFamily != AddressFamily.InterNetwork || lease.Underlay.Equals(underlay.Address) ? $"underlay {lease.Underlay} is unusable"
                : null;
            if (problem is not null)
            {
                log.LogWarning("network {Network}: ignoring node {Node}: {Problem}", network.Name, lease.Node, problem);
                continue;
            }
            peers.Add(lease);
        }
        return peers;
    }

    private void Reconcile(IReadOnlyList<NodeLease> leases)
    {
        if (_vxlan is null)
            throw new InvalidOperationException("Setup() has not run");
        var peers = PeersOf(leases);
        int vxlan = _vxlan.Index;

        var wantedRoutes = new Dictionary<InterfaceAddress, Route>();
        var wantedNeighbours = new Dictionary<IPAddress, Neighbour>();
        var wantedFdb = new HashSet<(MacAddress, IPAddress)>();
        foreach (var peer in peers)
        {
            var hop = TunnelAddress(peer.Subnet);
            wantedRoutes[Prefix(peer.Subnet)] = new Route
            {
                Destination = Prefix(peer.Subnet), Gateway = hop, OutIndex = vxlan, OnLink = true, Protocol = OverlayKernel.Protocol,
            };
            wantedNeighbours[hop] = new Neighbour { Index = vxlan, Address = hop, Mac = peer.VtepMac };
            wantedFdb.Add((peer.VtepMac, peer.Underlay));
        }

        // Every tenant's routes share main; each network reconciles the ones through its own device.
        var routes = node.DumpRoutes(AddressFamily.InterNetwork, Rta.RT_TABLE_MAIN)
            .Where(r => r.Protocol == OverlayKernel.Protocol && r.OutIndex == vxlan).ToList();
        var neighbours = node.DumpNeighbours(vxlan).Where(n => (n.State & Nda.NUD_PERMANENT) != 0).ToList();
        var fdb = node.DumpFdb(vxlan).Where(e => e.Self && e.Destination is not null).ToList();

        // Departures first (route, then neighbour, then FDB: nothing routes into a half-removed peer)...
        var removals = node.Batch();
        foreach (var route in routes.Where(r => r.Destination is not InterfaceAddress d || !wantedRoutes.TryGetValue(d, out var w) || !Same(r, w)))
            removals.DeleteRoute(route);
        foreach (var neighbour in neighbours.Where(n => !wantedNeighbours.TryGetValue(n.Address, out var w) || w.Mac != n.Mac))
            removals.DeleteNeighbour(neighbour);
        foreach (var entry in fdb.Where(e => !wantedFdb.Contains((e.Mac, e.Destination!))))
            removals.DeleteFdb(entry);
        // ...then arrivals and changes (FDB, neighbour, route: a route is only usable once its next hop resolves).
        var additions = node.Batch();
        foreach (var (mac, destination) in wantedFdb.Where(w => !fdb.Any(e => e.Mac == w.Item1 && w.Item2.Equals(e.Destination))))
            additions.AppendFdb(new FdbEntry { Index = vxlan, Mac = mac, Destination = destination });
        foreach (var neighbour in wantedNeighbours.Values.Where(w => !neighbours.Any(n => n.Address.Equals(w.Address) && n.Mac == w.Mac)))
            additions.SetNeighbour(neighbour);
        foreach (var route in wantedRoutes.Values.Where(w => !routes.Any(r => Same(r, w))))
            additions.AddRoute(route, replace: true);

        int removed = removals.Count, added = additions.Count;
        try
        {
            removals.Commit();
        }
        finally
        {
            additions.Commit();
        }
        _entries = (wantedRoutes.Count, wantedNeighbours.Count, wantedFdb.Count);
        _lastError = null;

        var programmed = peers.ToDictionary(p => p.Subnet, p => p.Node);
        foreach (var peer in peers.Where(p => !_programmed.ContainsKey(p.Subnet)))
        {
            log.LogInformation("network {Network}: peer {Node} {Subnet} via {Underlay} programmed", network.Name, peer.Node, peer.Subnet, peer.Underlay);
            DaemonEvents.Record(EventKinds.Overlay, network.Name, peer.Node, $"peer {peer.Node} {peer.Subnet} via {peer.Underlay} programmed");
        }
        foreach (var (subnet, name) in _programmed.Where(p => !programmed.ContainsKey(p.Key)))
        {
            log.LogInformation("network {Network}: peer {Node} {Subnet} removed", network.Name, name, subnet);
            DaemonEvents.Record(EventKinds.Overlay, network.Name, name, $"peer {name} {subnet} removed");
        }
        if (added + removed > 0 && _programmed.Count == programmed.Count && _programmed.Keys.All(programmed.ContainsKey))
            log.LogInformation("network {Network}: repaired {Added} kernel entries, removed {Removed}", network.Name, added, removed);
        _programmed = programmed;
    }

    private static InterfaceAddress Prefix(IPNetwork subnet) => new(subnet.BaseAddress, subnet.PrefixLength);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    private static bool Same(Route present, Route wanted) =>
        present.Destination == wanted.Destination && present.Type == wanted.Type
        && Equals(present.Gateway, wanted.Gateway) && present.OutIndex == wanted.OutIndex
        && present.OnLink == wanted.OnLink && (wanted.PreferredSource is null || wanted.PreferredSource.Equals(present.PreferredSource));
}
