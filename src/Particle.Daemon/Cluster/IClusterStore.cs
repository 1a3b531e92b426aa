namespace Particle.Daemon.Cluster;

/// <summary>
/// Where the cluster's node subnets and tunnel endpoints are agreed on: a static file, etcd, or the
/// Kubernetes API. The data plane is level-triggered: it only ever compares the kernel with the latest
/// membership snapshot, so a store may repeat snapshots freely and a missed change costs nothing once
/// the next one arrives.
/// </summary>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>
    /// Takes (or takes back) this node's subnet in a network and publishes its endpoint, then keeps the
    /// lease alive until disposal. A node that held a subnet before gets the same one again when it is
    /// still free. Throws <see cref="ClusterStoreException"/> when no subnet can be had.
    /// </summary>
    Task<NodeLease> JoinAsync(ClusterJoin join, CancellationToken cancel);

    /// <summary>
    /// The full set of leases of a network (this node's included), first as it is now, then again
    /// after every change, until <paramref name="cancel"/> fires. A store that loses its backend keeps
    /// quiet rather than reporting an empty cluster: peers are only dropped on evidence they left.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<NodeLease>> WatchAsync(string network, CancellationToken cancel);

    /// <summary>Whether the backend is reachable now, and when it last answered; for readiness and metrics.</summary>
    ClusterStoreHealth Health { get; }
}

/// <summary>What a node asks for when it joins a network.</summary>
/// <param name="PreviousSubnet">The subnet this node held before a restart (from its state folder), tried first.</param>
public sealed record ClusterJoin(
    string Network,
    string Node,
    System.Net.IPNetwork ClusterCidr,
    int NodeSubnetLength,
    System.Net.IPAddress Underlay,
    Particle.Netlink.MacAddress VtepMac,
    System.Net.IPNetwork? PreviousSubnet);

/// <param name="LeaseProblem">Why this node's lease cannot be kept (not renewed within its TTL, its subnet taken by
/// another node); null while it stands. Only this makes the node unready: an unreachable store alone does not.</param>
public sealed record ClusterStoreHealth(bool Connected, DateTimeOffset? LastContact, string? LastError, string? LeaseProblem = null);

public sealed class ClusterStoreException(string message, Exception? inner = null) : Exception(message, inner);
