using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>The plugin driven by the real containerd 1.6 (`ctr run --cni`), as on a node.</summary>
[Collection(EtcCniCollection.Name)]
public sealed class ContainerdTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.125.0.0/24");
    private readonly Containerd _containerd;

    public ContainerdTests() => _containerd = new Containerd(_node);

    public void Dispose()
    {
        _containerd.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void Containers_get_addresses_reach_each_other_and_the_gateway_and_leave_nothing()
    {
        // A detached container stays up; a second one reaches it and the gateway, then exits.
        var first = _containerd.Ctr("run", "-d", "--cni", "--rootfs", _containerd.Rootfs, "first", "/bin/sleep", "60");
        first.ExitCode.Should().Be(0, first.ToString());
        var firstAddress = _node.Allocations().Single(a => a.ContainerId == "default-first").Address;

        var second = _containerd.Ctr("run", "--rm", "--cni", "--rootfs", _containerd.Rootfs, "second",
            "/bin/sh", "-c", $"ip -4 addr show eth0 && ping -c 1 -W 2 10.125.0.1 && ping -c 1 -W 2 {firstAddress}");

        second.ExitCode.Should().Be(0, second.ToString());
        second.Stdout.Should().MatchRegex(@"inet 10\.125\.0\.\d+/24").And.Contain("1 packets received");
        _node.Allocations().Select(a => a.ContainerId).Should().Equal(["default-first"], "ctr sent DEL when `second` exited");

        // Killed and removed without any DEL (ctr -d): housekeeping reclaims the address once the
        // container's namespace is gone.
        _containerd.Ctr("task", "kill", "-s", "KILL", "first").ExitCode.Should().Be(0);
        SpinWait.SpinUntil(() => _containerd.Ctr("task", "delete", "first").ExitCode == 0, TimeSpan.FromSeconds(10));
        _containerd.Ctr("container", "rm", "first").ExitCode.Should().Be(0);
        SpinWait.SpinUntil(() => _node.Allocations().Count == 0, TimeSpan.FromSeconds(10))
            .Should().BeTrue("the address of a container whose namespace died without DEL is released");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }
}

/// <summary>Tests that put files in the machine's /etc/cni/net.d run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EtcCniCollection
{
    public const string Name = "/etc/cni/net.d";
}
