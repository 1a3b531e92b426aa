using System.Net;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// The system under test of the Services tests: whatever attaches pods on the <see cref="World"/>'s node
/// (the reference bridge as flannel configures it, or particle). It owns what it starts (a daemon) and
/// stops it on Dispose; the namespaces belong to the World.
/// </summary>
public interface IPodAttacher : IDisposable
{
    /// <summary>For test output: which system this is.</summary>
    string Name { get; }

    /// <summary>The pod CIDR of the cluster: kube-proxy's --cluster-cidr (its "is this a pod" test).</summary>
    string ClusterCidr { get; }

    /// <summary>Attaches the (already created) pod namespace as eth0 and returns the pod's IPv4 address.</summary>
    IPAddress Attach(string pod, string netnsPath);

    void Detach(string pod, string netnsPath);
}
