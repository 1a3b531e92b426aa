using System.Diagnostics;
using System.Text.RegularExpressions;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests;

/// <summary>The plugin driven by the real containerd 1.6 (`ctr run --cni`), as on a node.</summary>
[Collection(EtcCniCollection.Name)]
public sealed class ContainerdTests : IDisposable
{
    // Housekeeping runs every second in the test node (pendingDeleteScanSeconds 1); the kernel tears a
    // dead namespace down asynchronously, in a work queue that other tests' namespace churn can hold up
    // on a loaded 2-core machine. The bound is generous; the time it took is printed, not asserted.
    private static readonly TimeSpan ReclaimBound = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private readonly TestNode _node = new(subnet: "10.125.0.0/24", namePrefix: Runtimes.NamePrefix);
    private Containerd? _containerdInstance;

    public ContainerdTests(ITestOutputHelper output) => _output = output;

    // Made on first use: ctr takes the first conflist of /etc/cni/net.d, so only one containerd of a test
    // may have its file there, and the pooled-namespace test brings its own node.
    private Containerd NodeContainerd => _containerdInstance ??= new Containerd(_node);

    public void Dispose()
    {
        _containerdInstance?.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void Containers_get_addresses_reach_each_other_and_the_gateway_and_leave_nothing()
    {
        // The shipped conflist: 1.0.0 for libcni 1.1 (containerd 1.6 reads only "cniVersion" and handles
        // results up to 1.0.0), 1.1.0 offered to newer runtimes through "cniVersions".
        NodeContainerd.Conflist["cniVersion"]!.GetValue<string>().Should().Be("1.0.0");
        NodeContainerd.Conflist["cniVersions"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Contain("1.1.0");

        // A detached container stays up; a second one reaches it and the gateway, then exits.
        var first = NodeContainerd.Run("-d", "first", "/bin/sleep", "60");
        first.ExitCode.Should().Be(0, first.ToString());
        var firstAddress = _node.Allocations().Single(a => a.ContainerId == "default-first").Address;

        var second = NodeContainerd.Run("--rm", "second",
            "/bin/sh", "-c", $"ip -4 addr show eth0 && ping -c 1 -W 2 10.125.0.1 && ping -c 1 -W 2 {firstAddress}");

        second.ExitCode.Should().Be(0, second.ToString());
        second.Stdout.Should().MatchRegex(@"inet 10\.125\.0\.\d+/32").And.Contain("1 packets received");
        _node.Allocations().Select(a => a.ContainerId).Should().Equal(["default-first"], "ctr sent DEL when `second` exited");

        // What ctr 1.6 called, pinned so docs/runtimes.md stays true: ADD with the task's /proc path, DEL
        // on exit with CNI_NETNS empty (the task is gone), never CHECK; the container id is
        // "<namespace>-<id>"; CNI_ARGS is set but empty.
        _output.WriteLine(NodeContainerd.Recorder.Table("containerd 1.6 (ctr run --cni)"));
        var calls = NodeContainerd.Recorder.Calls();
        calls.Select(c => (c.Command, c.ContainerId)).Should().Equal(
            ("ADD", "default-first"), ("ADD", "default-second"), ("DEL", "default-second"));
        calls.Where(c => c.Command == "ADD").Should().OnlyContain(c =>
            Regex.IsMatch(c.Netns!, @"^/proc/\d+/ns/net$") && c.IfName == "eth0" && c.CniVersion == "1.0.0" && c.Args == "");
        var del = calls.Single(c => c.Command == "DEL");
        del.Netns.Should().BeEmpty();
        del.Config!["prevResult"].Should().NotBeNull("ctr passes the cached ADD result to DEL");
    }

    [Fact]
    public void A_detached_container_killed_and_removed_without_DEL_has_its_address_reclaimed()
    {
        var run = NodeContainerd.Run("-d", "detached", "/bin/sleep", "60");
        run.ExitCode.Should().Be(0, run.ToString());
        var allocation = _node.Allocations().Single();
        _node.Links().Should().Contain(allocation.HostInterface);

        // ctr -d never calls DEL: the task is killed and the container removed behind the network's back.
        long removed = RemoveWithoutDel("detached");

        Poll.Until(() => _node.Allocations().Count == 0, ReclaimBound)
            .Should().BeTrue($"the address of a container whose namespace died without DEL is released\n{_node.DaemonLog}");
        _output.WriteLine($"address reclaimed {Stopwatch.GetElapsedTime(removed).TotalMilliseconds:F0} ms after `ctr container rm`");
        NodeContainerd.Recorder.Calls().Select(c => c.Command).Should().Equal(["ADD"], "nothing called DEL");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        _node.DaemonLog.Should().Contain($"released {allocation.Address}: its interface is gone");
        // The release is durable: a daemon killed now comes back with nothing held.
        _node.KillDaemon();
        _node.StartDaemon();
        _node.Allocations().Should().BeEmpty();

        // The address is free again: a new container gets one and works.
        var again = NodeContainerd.Run("--rm", "again", "/bin/ping", "-c", "1", "-W", "2", "10.125.0.1");
        again.ExitCode.Should().Be(0, again.ToString());
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }

    [Fact]
    public void A_namespace_kept_alive_by_a_bind_mount_keeps_its_address_after_its_container_is_gone()
    {
        var run = NodeContainerd.Run("-d", "pinned", "/bin/sleep", "60");
        run.ExitCode.Should().Be(0, run.ToString());
        var allocation = _node.Allocations().Single();
        // The /proc/PID/ns/net path the runtime gave dies with the task; the namespace does not while
        // something (here a bind mount, as `ip netns` or a sandbox would make) still holds it.
        string pin = Path.Combine(NodeContainerd.Dir, "pinned-netns");
        File.WriteAllText(pin, "");
        Shell.Check("mount", "--bind", allocation.Netns!, pin);
        try
        {
            RemoveWithoutDel("pinned");
            Directory.Exists(Path.GetDirectoryName(allocation.Netns)).Should().BeFalse("the task's /proc entry is gone");

            // Several housekeeping passes later the address is still held: the namespace still has it.
            Thread.Sleep(TimeSpan.FromSeconds(4));
            _node.Allocations().Select(a => a.Address).Should().Equal(allocation.Address);
            _node.Links().Should().Contain(allocation.HostInterface);
            Shell.Check("nsenter", $"--net={pin}", "ip", "-4", "-o", "addr", "show", "eth0").Should().Contain($"{allocation.Address}/32");
        }
        finally
        {
            Shell.Run("umount", [pin]);
        }

        // The last reference is gone: now the namespace dies and housekeeping reclaims the address.
        Poll.Until(() => _node.Allocations().Count == 0, ReclaimBound)
            .Should().BeTrue($"the address is released once the namespace is really gone\n{_node.DaemonLog}");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }

    [Fact]
    public void A_container_started_in_a_claimed_pooled_namespace_gets_its_wiring_and_its_exit_releases_it()
    {
        using var pool = new PoolNode(size: 2, subnet: "10.127.0.0/24", namePrefix: Runtimes.NamePrefix);
        using var containerd = new Containerd(pool.Node);
        pool.WaitFull();
        var claim = pool.Claim();

        // --with-ns joins the pre-wired namespace; ctr still calls ADD, with the task's /proc path, which
        // particled recognises as the claimed namespace by its identity and answers without kernel work.
        var run = containerd.RunWith(["--rm", "--with-ns", $"network:{claim.Netns}"], "pooled",
            "/bin/sh", "-c", $"ip -4 -o addr show {claim.Interface} && ping -c 1 -W 2 {claim.Gateway}");

        run.ExitCode.Should().Be(0, run + pool.DaemonLog);
        run.Stdout.Should().Contain($"inet {claim.Address}").And.Contain("1 packets received");
        var calls = containerd.Recorder.Calls();
        _output.WriteLine(containerd.Recorder.Table("containerd 1.6 (ctr run --cni --with-ns network:POOLED)"));
        calls.Select(c => c.Command).Should().Equal("ADD", "DEL");
        calls[0].Netns.Should().MatchRegex(@"^/proc/\d+/ns/net$");
        pool.DaemonLog.Should().Contain("ADD on pooled namespace");

        // ctr's DEL on exit hands the namespace back: destroyed, and the pool fills up again.
        File.Exists(claim.Netns).Should().BeFalse();
        pool.WaitFull().Destroyed.Should().Be(1);
        pool.HostVeths().Should().HaveCount(2).And.NotContain(claim.HostInterface);
    }

    /// <summary>SIGKILL the task, delete it and the container, as `ctr -d` users do; returns when rm finished.</summary>
    private long RemoveWithoutDel(string id)
    {
        NodeContainerd.Ctr("task", "kill", "-s", "KILL", id).ExitCode.Should().Be(0);
        Poll.Until(() => NodeContainerd.Ctr("task", "delete", id).ExitCode == 0, TimeSpan.FromSeconds(10))
            .Should().BeTrue("the killed task can be deleted");
        var rm = NodeContainerd.Ctr("container", "rm", id);
        rm.ExitCode.Should().Be(0, rm.ToString());
        return Stopwatch.GetTimestamp();
    }
}

/// <summary>Tests that put files in the machine's /etc/cni/net.d run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EtcCniCollection
{
    public const string Name = "/etc/cni/net.d";
}
