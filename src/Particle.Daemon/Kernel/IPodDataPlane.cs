using System.Net;
using Particle.Daemon.Configuration;
using Particle.Linux;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>One pod's interface as ADD asks for it: which network, which namespace, both ends' names, its address.</summary>
public sealed record PodEndpoint(NetworkDefinition Network, NetworkNamespace Namespace, string HostName, string IfName, IPAddress Address);

/// <summary>What ADD built: both ends of the pod's veth.</summary>
public sealed record WiredPod(string HostName, MacAddress HostMac, string PodIfName, MacAddress PodMac, int Mtu);

/// <summary>A pod the node should be carrying traffic for: its host end and address (and, when known, its MAC).</summary>
public sealed record LivePod(string HostName, IPAddress Address, MacAddress? PodMac, string? Netns, string IfName);

/// <summary>
/// The node's pod wiring: the one seam between the kernel objects a pod's network is made of and
/// everything that makes or checks them — ADD, DEL and CHECK, the namespace and endpoint pools, start-up
/// recovery and housekeeping. Nothing outside an implementation knows whether pods are bridged or routed.
/// </summary>
public interface IPodDataPlane
{
    /// <summary>The network's node-side objects (the device holding the gateway, forwarding); idempotent.</summary>
    void EnsureNetwork(NetworkDefinition network);

    /// <summary>Why the network cannot serve ADD right now; null when it can.</summary>
    string? Problem(NetworkDefinition network);

    /// <summary>ADD's kernel work; creations of concurrent ADDs share one request. A failure leaves nothing.</summary>
    Task<WiredPod> AttachAsync(PodEndpoint pod, CancellationToken cancel);

    /// <summary>The same, in the caller's thread and kernel slot (the namespace pool's filler).</summary>
    WiredPod Attach(PodEndpoint pod);

    /// <summary>DEL's kernel work: the pod is cut off at once and its pair deleted later; false when it was gone.</summary>
    bool Detach(string hostName, NetworkNamespace? pod, string ifName);

    /// <summary>Deletes the pair now (an ADD that failed or never answered); false when it was gone.</summary>
    bool Remove(string hostName);

    /// <summary>Whether <paramref name="host"/> (the attachment's host end, null when absent) shows a live pod.</summary>
    bool IsAlive(Link? host);

    /// <summary>Whether a node device is one this data plane made for a pod (and may remove when no allocation accounts for it).</summary>
    bool IsPodDevice(Link link);

    /// <summary>Makes the node side of <paramref name="pods"/> (every live pod of the network) what Attach left:
    /// lost entries put back; <paramref name="nodeLinks"/> is a recent dump of the node's devices. Returns how
    /// many entries it changed.</summary>
    int Reconcile(NetworkDefinition network, IReadOnlyList<LivePod> pods, IReadOnlyList<Link> nodeLinks);

    /// <summary>Every way the pod's wiring differs from what Attach built; empty when it is intact.</summary>
    List<string> Inspect(PodEndpoint pod);

    /// <summary>The address the pod's interface carries and the CNI result reports.</summary>
    InterfaceAddress PodAddress(IPAddress address);

    /// <summary>Live creation figures: batches sent and creations in them.</summary>
    (long Batches, long Creations) Counts { get; }
}
