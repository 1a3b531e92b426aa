using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>The plugin driven by the real podman 4.3 with its CNI backend.</summary>
public sealed class PodmanTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.126.0.0/24");
    private readonly Podman _podman;

    public PodmanTests() => _podman = new Podman(_node);

    public void Dispose()
    {
        _podman.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void Podman_lists_the_network_and_its_containers_reach_each_other_and_the_gateway()
    {
        // podman validates every plugin of a conflist with VERSION before it lists the network.
        var networks = _podman.Run("network", "ls", "--format", "{{.Name}} {{.Driver}}");
        networks.Stdout.Should().Contain($"{TestNode.NetworkName} particle", networks.ToString());
        _podman.Run("network", "inspect", TestNode.NetworkName).Stdout.Should().Contain("\"driver\": \"particle\"");

        var first = _podman.Run("run", "-d", "--name", "first", "--network", TestNode.NetworkName, "--rootfs", _podman.Rootfs,
            "/bin/sleep", "60");
        first.ExitCode.Should().Be(0, first.ToString());
        var firstAddress = _node.Allocations().Single().Address;

        var second = _podman.Run("run", "--rm", "--network", TestNode.NetworkName, "--rootfs", _podman.Rootfs,
            "/bin/sh", "-c", $"ip -4 addr show eth0 && ping -c 1 -W 2 10.126.0.1 && ping -c 1 -W 2 {firstAddress}");

        second.ExitCode.Should().Be(0, second.ToString());
        second.Stdout.Should().MatchRegex(@"inet 10\.126\.0\.\d+/24");
        _node.Allocations().Select(a => a.Address).Should().Equal([firstAddress], "podman sent DEL when the second container ended");

        _podman.Run("rm", "--force", "--time", "0", "first").ExitCode.Should().Be(0);
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }
}
