using System.Net;
using System.Net.Sockets;
using Particle.EndToEnd.Tests.Cri.Api;
using Particle.EndToEnd.Tests.Harness;
using Particle.Linux;
using CriProtocol = Particle.EndToEnd.Tests.Cri.Api.Protocol;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// cni-conf/20-particle-chained.conflist under the CRI plugin: a pod's hostPort and bandwidth reach the
/// reference portmap and bandwidth plugins as capabilities (containerd fills runtimeConfig from the pod's
/// port mappings and its kubernetes.io/*-bandwidth annotations), a "world" namespace outside the node
/// reaches the pod through the node's port, and StopPodSandbox removes the rules and the shaping.
/// </summary>
public sealed class CriChainedTests : IDisposable
{
    private const int HostPort = 18080;
    // The node's "underlay" to the world namespace; 198.18.0.0/15 is reserved for benchmarks and tests.
    private const string NodeUnderlay = "198.18.77.1";
    private const string WorldAddress = "198.18.77.2";

    private readonly TestNode _node = new(subnet: "10.135.0.0/24", namePrefix: "pcri");
    private readonly string _world;
    private readonly CriContainerd _containerd;

    public CriChainedTests()
    {
        _world = $"{_node.Prefix}-world";
        try
        {
            Shell.Check("ip", "netns", "add", _world);
            Shell.Check("ip", "-n", _world, "link", "add", "w0", "type", "veth", "peer", "name", "world0", "netns", _node.Namespace);
            Shell.Check("ip", "-n", _world, "addr", "add", $"{WorldAddress}/24", "dev", "w0");
            Shell.Check("ip", "-n", _world, "link", "set", "w0", "up");
            Shell.Check("ip", "-n", _node.Namespace, "addr", "add", $"{NodeUnderlay}/24", "dev", "world0");
            Shell.Check("ip", "-n", _node.Namespace, "link", "set", "world0", "up");
            // The node forwards between the world and its pods (only inside the node's own namespace).
            Shell.Check("ip", "netns", "exec", _node.Namespace, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            _containerd = new CriContainerd(_node, conflist: "20-particle-chained.conflist");
        }
        catch
        {
            Shell.Run("ip", ["netns", "del", _world]);
            _node.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _containerd.Dispose();
        Shell.Run("ip", ["netns", "del", _world]);
        _node.Dispose();
    }

    [Fact]
    public void A_hostPort_is_reachable_from_outside_the_node_bandwidth_is_applied_and_stop_removes_both()
    {
        string id = _containerd.RunPodSandbox("web", configure: config =>
        {
            config.PortMappings.Add(new PortMapping { Protocol = CriProtocol.Tcp, ContainerPort = 80, HostPort = HostPort });
            config.Annotations["kubernetes.io/ingress-bandwidth"] = "8M";
            config.Annotations["kubernetes.io/egress-bandwidth"] = "8M";
        });
        var allocation = _node.Allocations().Single();
        _containerd.Cri.PodSandboxStatus(id).Status.Network.Ip.Should().Be(allocation.Address);

        WorldReachesThePodThroughTheNode(_containerd.NetnsOf(id)).Should().Be("hello from the pod");
        Shell.Check("ip", "netns", "exec", _node.Namespace, "tc", "qdisc", "show", "dev", allocation.HostInterface!).Should().Contain("tbf");
        Shell.Check("ip", "netns", "exec", _node.Namespace, "iptables-save").Should().Contain(allocation.Address);
        // particle itself gets no runtimeConfig: the capabilities are portmap's and bandwidth's.
        _containerd.Recorder.Calls().Single().Config!.ContainsKey("runtimeConfig").Should().BeFalse();

        _containerd.Cri.StopPodSandbox(id);
        _containerd.Cri.RemovePodSandbox(id);

        _node.Allocations().Should().BeEmpty();
        Shell.Check("ip", "netns", "exec", _node.Namespace, "iptables-save").Should().NotContain(allocation.Address);
        _node.Links().Should().NotContain(l => l.StartsWith("bwp") || l == allocation.HostInterface);
    }

    /// <summary>A listener on port 80 in the pod; a client in the world namespace dials the node's hostPort.</summary>
    private string WorldReachesThePodThroughTheNode(string podNetns)
    {
        using var podNs = NetworkNamespace.Open(podNetns);
        using var worldNs = NetworkNamespace.Open($"/run/netns/{_world}");
        using var listener = podNs.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, 80));
            socket.Listen(1);
            return socket;
        });
        var served = Task.Run(() =>
        {
            using var connection = listener.Accept();
            connection.Send("hello from the pod"u8);
        });
        using var client = worldNs.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        client.ReceiveTimeout = 5000;
        client.SendTimeout = 5000;
        var connect = client.ConnectAsync(new IPEndPoint(IPAddress.Parse(NodeUnderlay), HostPort));
        connect.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue("the world connects to the node's hostPort");
        var buffer = new byte[64];
        int n = client.Receive(buffer);
        served.Wait(TimeSpan.FromSeconds(5)).Should().BeTrue();
        return System.Text.Encoding.ASCII.GetString(buffer, 0, n);
    }
}
