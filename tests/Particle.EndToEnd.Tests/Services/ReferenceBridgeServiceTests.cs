using System.Net;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Services;

/// <summary>
/// Issue 11's table against the reference bridge + host-local as flannel configures them, with kube-proxy's
/// rules in both modes: the baseline that particle's routed data plane must match, and the proof that every
/// row of the harness can pass on a real configuration.
/// </summary>
public sealed class ReferenceBridgeServiceTests : ServiceTableTests
{
    protected override ServiceScenario Scenario(KubeProxyMode mode) => Scenario(mode, ipMasq: true);

    private static ServiceScenario Scenario(KubeProxyMode mode, bool ipMasq = true, bool bridgeNetfilter = true, bool hairpinMode = true) =>
        new(world => new ReferenceBridgeAttacher(world, ipMasq: ipMasq, bridgeNetfilter: bridgeNetfilter, hairpinMode: hairpinMode), mode);

    /// <summary>
    /// The harness's multi-endpoint rules (iptables' statistic probabilities, nftables' numgen vmap): a
    /// Service with two endpoints reaches both within a bounded number of connections.
    /// </summary>
    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void A_service_with_two_endpoints_reaches_both(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        var a = s.AddPod("a");
        var b = s.AddPod("b");
        var client = s.AddPod("c");
        using var serverA = new EchoServer("a", a.Netns, a.Address, 8080);
        using var serverB = new EchoServer("b", b.Netns, b.Address, 8080);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.20"), 80);
        s.Rules.AddClusterIp("default/pair:http", vip, new IPEndPoint(a.Address, 8080), new IPEndPoint(b.Address, 8080));

        var answers = new HashSet<string>();
        // Each connection picks an endpoint with probability 1/2: 40 tries miss one with odds 2^-39.
        for (int i = 0; i < 40 && answers.Count < 2; i++)
            answers.Add(Traffic.Tcp(client.Netns, vip.Address, vip.Port).Answer ?? "none");

        answers.Should().BeEquivalentTo([serverA.AnswerFor(client.Address), serverB.AnswerFor(client.Address)]);
    }

    /// <summary>
    /// Why kubeadm demands bridge-nf-call-iptables: without it the endpoint's reply to a same-node pod is
    /// bridged straight back, skips conntrack's reverse DNAT, and the client drops it (it came from the pod's
    /// address, not the ClusterIP). Turned off only inside this test's node namespace.
    /// </summary>
    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Without_bridge_netfilter_a_same_node_service_reply_is_lost(KubeProxyMode mode)
    {
        BridgeNetfilterIsPerNamespace().Should().BeTrue("this test may only change the sysctl where it is per namespace");
        using var s = Scenario(mode, bridgeNetfilter: false);
        ((ReferenceBridgeAttacher)s.System).BridgeNetfilter.Should().BeFalse();
        var a = s.AddPod("a");
        var b = s.AddPod("b");
        using var server = new EchoServer("a", a.Netns, a.Address, 8080);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.10"), 80);
        s.Rules.AddClusterIp("default/web:http", vip, new IPEndPoint(a.Address, 8080));

        Traffic.Tcp(b.Netns, vip.Address, vip.Port).Answer.Should().BeNull("the reply skips the reverse DNAT when bridged without br_netfilter");
        // The endpoint itself is fine: straight to its address (no DNAT to undo) the same pod answers.
        // (Asked up to three times: b has just been sent a reply it did not expect and answered it with a reset.)
        Poll.Until(() => Traffic.Tcp(b.Netns, a.Address, 8080).Answer == server.AnswerFor(b.Address), TimeSpan.FromSeconds(20))
            .Should().BeTrue("the endpoint answers a direct connection");
    }

    /// <summary>
    /// Why flannel sets hairpinMode: br_netfilter DNATs the pod's packet to the pod itself and the bridge must
    /// then send the frame back out of the port it came in by, which a bridge port refuses unless in hairpin mode.
    /// </summary>
    [Fact]
    public void Without_hairpin_mode_a_pod_cannot_reach_itself_through_its_service()
    {
        using var s = Scenario(KubeProxyMode.Iptables, hairpinMode: false);
        var a = s.AddPod("a");
        using var server = new EchoServer("a", a.Netns, a.Address, 8080);
        var vip = new IPEndPoint(IPAddress.Parse("10.96.0.12"), 80);
        s.Rules.AddClusterIp("default/self:http", vip, new IPEndPoint(a.Address, 8080));

        Traffic.Tcp(a.Netns, vip.Address, vip.Port).Answer.Should().BeNull();
        server.Seen.Should().BeEmpty();
    }

    /// <summary>The negative control of the egress row: without masquerade the world has no way back to a pod.</summary>
    [Fact]
    public void Without_ipMasq_the_world_cannot_answer_a_pod()
    {
        using var s = Scenario(KubeProxyMode.Iptables, ipMasq: false);
        var a = s.AddPod("a");
        var server = s.Serve("world", s.World.WorldNetns, IPAddress.Parse(World.WorldAddress), 8090);

        Traffic.Tcp(a.Netns, IPAddress.Parse(World.WorldAddress), 8090).Answer.Should().BeNull();
        // The SYN reaches the world from the pod's own address, but the answer has no route back.
        server.Seen.Should().BeEmpty("the server never completes a handshake it cannot answer");
        Traffic.Ping(a.Netns, World.WorldAddress).Should().BeFalse();
    }

    /// <summary>
    /// The attacher's contract on the reference: DEL undoes ADD (veth gone, host-local's reservation
    /// released in the test's own dataDir) and nothing is written under /var/lib/cni.
    /// </summary>
    [Fact]
    public void Attach_and_detach_keep_their_state_in_the_test_folder()
    {
        using var world = new World("psb");
        using var bridge = new ReferenceBridgeAttacher(world);
        var netns = world.AddPodNamespace("a");

        var address = bridge.Attach("a", netns);
        var reservations = Path.Combine(world.Dir, "host-local", "cbr0");
        File.Exists(Path.Combine(reservations, address.ToString())).Should().BeTrue();
        bridge.Detach("a", netns);

        File.Exists(Path.Combine(reservations, address.ToString())).Should().BeFalse();
        Shell.Check("ip", "-n", Path.GetFileName(netns), "-br", "link").Should().NotContain("eth0");
        if (Directory.Exists("/var/lib/cni"))
        {
            Directory.EnumerateFiles("/var/lib/cni", "*", SearchOption.AllDirectories)
                .Where(f => new FileInfo(f).Length < 4096 && File.ReadAllText(f).Contains(world.Prefix))
                .Should().BeEmpty("host-local must use the test's dataDir");
        }
    }

    /// <summary>
    /// br_netfilter's sysctls have been per network namespace since Linux 5.3: a fresh namespace shows them
    /// (before, only the initial namespace had them) and starts with 1. Proven here by reading only, so
    /// nothing changes outside this test's namespaces even on a kernel where they were global.
    /// </summary>
    [Fact]
    public void Bridge_netfilter_is_per_namespace()
    {
        BridgeNetfilterIsPerNamespace().Should().BeTrue();
    }

    private static bool BridgeNetfilterIsPerNamespace()
    {
        var release = Shell.Check("uname", "-r").Trim();
        var version = Version.Parse(string.Join('.', release.Split('.', '-').Take(2)));
        using var world = new World("psb");
        var inFresh = Shell.Run("ip", ["netns", "exec", world.Node, "cat", "/proc/sys/net/bridge/bridge-nf-call-iptables"]);
        return version >= new Version(5, 3) && inFresh.ExitCode == 0 && inFresh.Stdout.Trim() == "1";
    }
}
