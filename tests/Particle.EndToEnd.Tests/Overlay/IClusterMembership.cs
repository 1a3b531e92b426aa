namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// Where a simulated cluster's membership lives. The overlay tests run against any backend through this:
/// the static file here, etcd (a server in its own namespace on the underlay) beside it.
/// </summary>
public interface IClusterMembership : IDisposable
{
    string Backend { get; }

    /// <summary>Before any daemon starts: write the file, start the server.</summary>
    void Prepare(SimCluster cluster);

    /// <summary>The backend keys of the node's "cluster" section: "backend" and its own object, as JSON members.</summary>
    string ClusterSection(SimNode node);

    /// <summary>The node leaves the cluster (its peers must forget it).</summary>
    void Remove(SimNode node);

    /// <summary>The node comes back.</summary>
    void Restore(SimNode node);
}
