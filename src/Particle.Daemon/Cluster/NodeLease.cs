using System.Net;
using Particle.Netlink;

namespace Particle.Daemon.Cluster;

/// <summary>
/// One node's presence in one network of the cluster: the pod subnet it holds there and where its
/// VXLAN tunnel endpoint answers. Every node programs one route, one neighbour and one FDB entry per
/// remote lease; nothing else about a peer is needed for the data plane.
/// </summary>
public sealed record NodeLease(
    string Network,
    string Node,
    IPNetwork Subnet,
    IPAddress Underlay,
    MacAddress VtepMac);
