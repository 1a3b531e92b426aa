using System.Text.RegularExpressions;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests;

/// <summary>The plugin driven by the real podman 4.3 with its CNI backend.</summary>
public sealed class PodmanTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.126.0.0/24", namePrefix: Runtimes.NamePrefix);
    private Podman? _podmanInstance;

    // Made on first use: the pooled-namespace test brings a node and a podman of its own.
    private Podman NodePodman => _podmanInstance ??= new Podman(_node);

    public void Dispose()
    {
        _podmanInstance?.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void Podman_lists_the_network_and_its_containers_reach_each_other_and_the_gateway()
    {
        // podman validates every plugin of a conflist with VERSION before it lists the network.
        var networks = NodePodman.Run("network", "ls", "--format", "{{.Name}} {{.Driver}}");
        networks.Stdout.Should().Contain($"{TestNode.NetworkName} particle", networks.ToString());
        NodePodman.Run("network", "inspect", TestNode.NetworkName).Stdout.Should().Contain("\"driver\": \"particle\"");

        var first = NodePodman.Run("run", "-d", "--name", "first", "--network", TestNode.NetworkName, "--rootfs", NodePodman.Rootfs,
            "/bin/sleep", "60");
        first.ExitCode.Should().Be(0, first.ToString());
        var firstAddress = _node.Allocations().Single().Address;

        var second = NodePodman.Run("run", "--rm", "--network", TestNode.NetworkName, "--rootfs", NodePodman.Rootfs,
            "/bin/sh", "-c", $"ip -4 addr show eth0 && ping -c 1 -W 2 10.126.0.1 && ping -c 1 -W 2 {firstAddress}");

        second.ExitCode.Should().Be(0, second.ToString());
        second.Stdout.Should().MatchRegex(@"inet 10\.126\.0\.\d+/32");
        _node.Allocations().Select(a => a.Address).Should().Equal([firstAddress], "podman sent DEL when the second container ended");

        NodePodman.Run("rm", "--force", "--time", "0", "first").ExitCode.Should().Be(0);
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));

        // What podman 4.3 called, pinned so docs/runtimes.md stays true.
        output.WriteLine(NodePodman.Recorder.Table("podman 4.3 (CNI backend)"));
        var calls = NodePodman.Recorder.Calls();
        // podman validates the plugin with VERSION (CNI_NETNS and CNI_IFNAME "dummy") before each use.
        calls.Where(c => c.Command == "VERSION").Should().NotBeEmpty().And.OnlyContain(c => c.Netns == "dummy" && c.IfName == "dummy");
        var attach = calls.Where(c => c.Command is "ADD" or "DEL").ToList();
        attach.Select(c => c.Command).Should().Equal("ADD", "ADD", "DEL", "DEL");
        attach.Should().OnlyContain(c => Regex.IsMatch(c.ContainerId!, "^[0-9a-f]{64}$") &&
            Regex.IsMatch(c.Netns!, "^/run/netns/netns-[0-9a-f-]{36}$") && c.IfName == "eth0" &&
            Regex.IsMatch(c.Args!, "^IgnoreUnknown=1;K8S_POD_NAME=[a-z0-9_]+$"));
        foreach (var del in attach.Where(c => c.Command == "DEL"))
            del.Netns.Should().Be(attach.First(c => c.Command == "ADD" && c.ContainerId == del.ContainerId).Netns, "podman DELs while the namespace still exists");
    }

    [Fact]
    public void A_container_joins_a_pre_wired_pooled_namespace_with_network_ns_path()
    {
        using var pool = new PoolNode(size: 2, subnet: "10.127.0.0/24", namePrefix: Runtimes.NamePrefix);
        using var podman = new Podman(pool.Node);
        pool.WaitFull();
        var claim = pool.Claim();

        // ns:PATH joins the namespace as it is: podman calls no plugin, the pool's wiring is what the
        // container sees.
        var run = podman.Run("run", "--rm", "--network", $"ns:{claim.Netns}", "--rootfs", podman.Rootfs,
            "/bin/sh", "-c", $"ip -4 -o addr show {claim.Interface} && ping -c 1 -W 2 {claim.Gateway}");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Stdout.Should().Contain($"inet {claim.Address}").And.Contain("1 packets received");
        podman.Recorder.Calls().Where(c => c.Command != "VERSION").Should().BeEmpty("podman does not call CNI for ns:PATH");
        File.Exists(claim.Netns).Should().BeTrue("the container's exit leaves the platform's namespace alone");

        pool.Release(claim.Netns);
        File.Exists(claim.Netns).Should().BeFalse();
        pool.WaitFull();
    }
}
