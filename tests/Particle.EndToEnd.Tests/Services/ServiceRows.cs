using System.Net;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Services;

/// <summary>
/// The rows of issue 11's table, each a check that can fail: it asserts the answer a server sent back
/// (so the reply made it through conntrack's reverse NAT) and the source address the server saw.
/// Shared by every system under test.
/// </summary>
public static class ServiceRows
{
    private static readonly IPAddress World = IPAddress.Parse(Harness.World.WorldAddress);
    private static readonly IPAddress Node = IPAddress.Parse(Harness.World.NodeAddress);

    /// <summary>Pod -> world: ping, TCP and UDP; the world sees the node's uplink address (masquerade).</summary>
    public static void PodReachesTheWorld(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var server = s.Serve("world", s.World.WorldNetns, World, 8090);

        Pings(s, a, Harness.World.WorldAddress);
        Answers(s, Traffic.Tcp(a.Netns, World, 8090), server.AnswerFor(Node));
        Answers(s, Traffic.Udp(a.Netns, World, 8090), server.AnswerFor(Node));
    }

    /// <summary>Pod -> the node's own uplink address (a host-network service); the node sees the pod's address.</summary>
    public static void PodReachesTheNodeAddress(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var server = s.Serve("node", s.World.NodeNetns, Node, 8082);

        Pings(s, a, Harness.World.NodeAddress);
        Answers(s, Traffic.Tcp(a.Netns, Node, 8082), server.AnswerFor(a.Address));
    }

    /// <summary>Pod b -> ClusterIP -> pod a on the same node; a sees b's own address (no NAT inside the cluster CIDR).</summary>
    public static void ServiceReachesAPodOnTheSameNode(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var b = s.AddPod("b");
        var server = s.Serve("a", a.Netns, a.Address, 8080);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80);
        s.Rules.AddClusterIp("default/web:http", vip, new IPEndPoint(a.Address, 8080));

        Answers(s, Traffic.Tcp(b.Netns, vip.Address, vip.Port), server.AnswerFor(b.Address));
    }

    /// <summary>Pod -> ClusterIP -> an endpoint on the node's uplink address (as the `kubernetes` Service's API server).</summary>
    public static void ServiceReachesAHostNetworkEndpoint(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var server = s.Serve("node", s.World.NodeNetns, Node, 8081);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.1"), 443);
        s.Rules.AddClusterIp("default/kubernetes:https", vip, new IPEndPoint(Node, 8081));

        Answers(s, Traffic.Tcp(a.Netns, vip.Address, vip.Port), server.AnswerFor(a.Address));
    }

    /// <summary>Pod -> its own Service's ClusterIP -> itself (hairpin): kube-proxy masquerades it, so the pod sees a node-side address.</summary>
    public static void PodReachesItselfThroughItsService(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var server = s.Serve("a", a.Netns, a.Address, 8080);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.12"), 80);
        s.Rules.AddClusterIp("default/self:http", vip, new IPEndPoint(a.Address, 8080));

        var answer = Traffic.Tcp(a.Netns, vip.Address, vip.Port);

        if (answer.Answer?.StartsWith("a saw ") != true)
            answer.Answer.Should().StartWith("a saw ", $"{answer}\n{s.Describe()}");
        server.Seen.Should().NotContain(a.Address, "kube-proxy's KUBE-SEP/endpoint chain masquerades an endpoint reaching itself");
    }

    /// <summary>World -> NodePort on the node's uplink address -> pod; masqueraded (externalTrafficPolicy Cluster).</summary>
    public static void TheWorldReachesAPodThroughANodePort(ServiceScenario s)
    {
        var a = s.AddPod("a");
        var server = s.Serve("a", a.Netns, a.Address, 8080);
        s.Rules.AddNodePort("default/web:http", 30080, new IPEndPoint(a.Address, 8080));

        var answer = Traffic.Tcp(s.World.WorldNetns, Node, 30080);

        if (answer.Answer?.StartsWith("a saw ") != true)
            answer.Answer.Should().StartWith("a saw ", $"{answer}\n{s.Describe()}");
        server.Seen.Should().NotContain(World, "a NodePort with externalTrafficPolicy Cluster is masqueraded");
    }

    /// <summary>Asserts the exact answer; the node's state goes into the message only on failure (it costs processes).</summary>
    private static void Answers(ServiceScenario s, TrafficResult result, string expected)
    {
        if (result.Answer != expected)
            result.Answer.Should().Be(expected, $"{result}\n{s.Describe()}");
    }

    private static void Pings(ServiceScenario s, Pod from, string address)
    {
        if (!Traffic.Ping(from.Netns, address))
            false.Should().BeTrue($"pod {from.Name} ({from.Address}) pings {address}\n{s.Describe()}");
    }
}
