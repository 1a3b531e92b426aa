using Microsoft.Extensions.Logging;
using Particle.Daemon.Cluster;
using Particle.Daemon.Configuration;
using Particle.Daemon.Metrics;
using Particle.Netlink;

namespace Particle.Daemon.Overlay;

/// <summary>
/// The node's part of the cluster: joins every overlay network (the lease decides the node's subnet, so
/// this runs before anything is served), then keeps the kernel in step with each network's membership.
/// </summary>
public sealed class OverlayDataPlane : IOverlayLevels
{
    private readonly IClusterStore _store;
    private readonly RouteNetlink _node;
    private readonly ILogger _log;
    private readonly List<OverlayNetwork> _networks;

    private OverlayDataPlane(IClusterStore store, RouteNetlink node, ILogger log, List<OverlayNetwork> networks)
    {
        _store = store;
        _node = node;
        _log = log;
        _networks = networks;
    }

    public IReadOnlyList<OverlayNetwork> Networks => _networks;

    /// <summary>This node's network definitions, one per overlay network, from the subnets it was leased.</summary>
    public IEnumerable<NetworkDefinition> Definitions => _networks.Select(n => n.Network);

    /// <summary>
    /// Takes a lease in every overlay network, asking first for the subnet held before a restart (kept in the
    /// state folder, and updated there before the subnet is used).
    /// </summary>
    public static async Task<OverlayDataPlane> JoinAsync(DaemonSettings settings, IClusterStore store, RouteNetlink node,
        ILogger log, CancellationToken cancel)
    {
        var cluster = settings.Cluster ?? throw new InvalidOperationException("no cluster section");
        var underlay = Underlay.Resolve(node, cluster);
        log.LogInformation("cluster: node {Node} on underlay {Address} ({Link}, mtu {Mtu}), backend {Backend}",
            cluster.NodeName, underlay.Address, underlay.LinkName, underlay.Mtu, cluster.Backend);
        var networks = new List<OverlayNetwork>();
        foreach (var overlay in settings.Overlays)
        {
            var previous = LeasedSubnets.Read(settings.StateDir, overlay.Network);
            var join = new ClusterJoin(overlay.Network, cluster.NodeName, overlay.ClusterCidr, overlay.NodeSubnetLength,
                underlay.Address, VtepMac.For(cluster.NodeName, overlay.Network), previous);
            var lease = await JoinWithRetryAsync(store, join, log, cancel);
            if (previous is System.Net.IPNetwork before && !before.Equals(lease.Subnet))
                log.LogWarning("network {Network}: subnet {Before} could not be had again, now {Subnet}", overlay.Network, before, lease.Subnet);
            LeasedSubnets.Write(settings.StateDir, overlay.Network, lease.Subnet);
            int mtu = overlay.EffectiveMtu(underlay.Mtu);
            var definition = overlay.Define(lease.Subnet, mtu);
            networks.Add(new OverlayNetwork(overlay, definition, lease, underlay, node, log));
        }
        return new OverlayDataPlane(store, node, log, networks);
    }

    /// <summary>
    /// A store that cannot be reached at start (etcd restarting, the API server busy) is asked again with
    /// backoff until <paramref name="cancel"/> (the daemon's join deadline) fires; then the last error is
    /// thrown and particled exits 2 for its supervisor to restart it. It never serves on the subnet recorded
    /// in the state folder without the store's word: that lease may have expired and gone to another node.
    /// </summary>
    private static async Task<NodeLease> JoinWithRetryAsync(IClusterStore store, ClusterJoin join, ILogger log, CancellationToken cancel)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await store.JoinAsync(join, cancel);
            }
            catch (ClusterStoreException e) when (!cancel.IsCancellationRequested)
            {
                log.LogWarning("network {Network}: join attempt {Attempt} failed, retrying in {Delay} s: {Error}",
                    join.Network, attempt, delay.TotalSeconds, e.Message);
                try
                {
                    await Task.Delay(delay, cancel);
                }
                catch (OperationCanceledException)
                {
                    throw new ClusterStoreException($"network {join.Network}: gave up joining after {attempt} attempts: {e.Message}", e);
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxJoinRetryDelay.Ticks));
            }
        }
    }

    private static readonly TimeSpan MaxJoinRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The VXLAN devices; after the networks' node side exists. What a release with policy routing left goes first.</summary>
    public void Setup()
    {
        var (rules, routes) = PolicyRoutingUpgrade.Remove(_node);
        if (rules + routes > 0)
            _log.LogInformation("overlay: removed {Rules} policy rules and {Routes} tenant-table routes of the policy-routing release", rules, routes);
        foreach (var network in _networks)
            network.Setup();
    }

    /// <summary>
    /// A node without overlay networks (the cluster section removed) keeps nothing of the overlay's routing:
    /// the policy-routing release's rules and tables, and the routes towards remote nodes, go.
    /// </summary>
    public static void ForgetAll(RouteNetlink node, ILogger log)
    {
        var (rules, tableRoutes) = PolicyRoutingUpgrade.Remove(node);
        var routes = node.DumpRoutes(System.Net.Sockets.AddressFamily.InterNetwork).Where(r => r.Protocol == OverlayKernel.Protocol).ToList();
        if (routes.Count > 0)
        {
            var batch = node.Batch();
            foreach (var route in routes)
                batch.DeleteRoute(route);
            batch.Commit();
        }
        if (rules + tableRoutes + routes.Count > 0)
            log.LogInformation("overlay: no overlay networks configured; removed {Rules} policy rules and {Routes} routes left by an earlier configuration",
                rules, tableRoutes + routes.Count);
    }

    public IEnumerable<OverlayLevels> Levels()
    {
        var health = _store.Health;
        foreach (var network in _networks)
        {
            var (remote, routes, neighbours, fdb, lastSync, lastError) = network.Levels();
            // A store that is away is no reason to stop serving: the lease and the programmed peers stay valid.
            // Not ready is reserved for an overlay that never got its first membership or cannot program it.
            string? problem = lastSync is null ? "no membership snapshot applied yet"
                : lastError is not null ? $"programming peers failed: {lastError}"
                : null;
            yield return new OverlayLevels(network.Network.Name, remote, routes, fdb, neighbours, health.Connected, lastSync, problem);
        }
    }

    /// <summary>Follows each network's membership until <paramref name="stop"/>, resyncing every <paramref name="resync"/>.</summary>
    public Task RunAsync(TimeSpan resync, CancellationToken stop) =>
        Task.WhenAll(_networks.Select(n => Task.WhenAll(FollowAsync(n, stop), ResyncAsync(n, resync, stop))));

    private async Task FollowAsync(OverlayNetwork network, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var snapshot in _store.WatchAsync(network.Network.Name, stop))
                    Apply(network, snapshot);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning("network {Network}: watching the cluster failed, retrying: {Error}", network.Network.Name, e.Message);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Apply(OverlayNetwork network, IReadOnlyList<NodeLease> snapshot)
    {
        try
        {
            network.Apply(snapshot);
        }
        catch (NetlinkException e)
        {
            network.Failed(e.Message);
            DaemonEvents.Record(EventKinds.Overlay, network.Network.Name, null, $"programming peers failed, will retry: {e.Message}", error: true);
            _log.LogWarning("network {Network}: programming peers failed, will retry: {Error}", network.Network.Name, e.Message);
        }
    }

    private async Task ResyncAsync(OverlayNetwork network, TimeSpan every, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    network.Resync();
                }
                catch (NetlinkException e)
                {
                    _log.LogWarning("network {Network}: resync failed, will retry: {Error}", network.Network.Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
