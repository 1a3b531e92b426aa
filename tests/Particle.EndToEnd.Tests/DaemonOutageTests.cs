using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>What runtimes see while particled is down, and how it catches up when it returns.</summary>
public sealed class DaemonOutageTests : IDisposable
{
    private readonly TestNode _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public void Add_is_try_again_later_and_status_is_not_available_while_the_daemon_is_down()
    {
        var pod = _node.AddPod("p");
        _node.StopDaemon().Should().Be(0);

        var add = _node.Plugin("ADD", "c1", pod);
        var status = _node.Plugin("STATUS", "", "", "1.1.0");

        LifecycleTests.Code(add).Should().Be(11);
        LifecycleTests.Message(add).Should().Contain(_node.SocketPath);
        _node.Links(pod).Should().Equal("lo");
        LifecycleTests.Code(status).Should().Be(50);
    }

    [Fact]
    public void Del_succeeds_while_the_daemon_is_down_and_the_address_is_released_when_it_returns()
    {
        var pods = new[] { _node.AddPod("a"), _node.AddPod("b") };
        _node.Plugin("ADD", "ca", pods[0]).ExitCode.Should().Be(0);
        _node.Plugin("ADD", "cb", pods[1]).ExitCode.Should().Be(0);
        _node.KillDaemon();

        // One DEL can still reach the pod's namespace; the other comes with an empty CNI_NETNS.
        var delA = _node.Plugin("DEL", "ca", pods[0]);
        var delB = _node.Plugin("DEL", "cb", "");

        delA.ExitCode.Should().Be(0, delA.ToString());
        delB.ExitCode.Should().Be(0, delB.ToString());
        _node.Links(pods[0]).Should().NotContain("eth0");
        Directory.GetFiles(Path.Combine(_node.StateDir, "pending-del")).Should().HaveCount(2);

        _node.StartDaemon();

        _node.Allocations().Should().BeEmpty();
        _node.Links(pods[1]).Should().NotContain("eth0", "the daemon carried out the noted DEL");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        Directory.GetFiles(Path.Combine(_node.StateDir, "pending-del")).Should().BeEmpty();
    }

    [Fact]
    public void A_noted_del_does_not_release_an_add_that_came_after_it()
    {
        // nerdctl sends DEL before every ADD: the DEL may be noted while the daemon restarts, and the ADD
        // served right after must keep its address.
        var pod = _node.AddPod("p");
        _node.KillDaemon();
        _node.Plugin("DEL", "c1", pod).ExitCode.Should().Be(0);
        _node.StartDaemon();
        Thread.Sleep(5);

        var add = _node.Plugin("ADD", "c1", pod);
        add.ExitCode.Should().Be(0, add.ToString());
        Thread.Sleep(2500); // two housekeeping rounds of the test config

        _node.Allocations().Select(a => a.ContainerId).Should().Equal("c1");
        _node.Links(pod).Should().Contain("eth0");
    }

    [Fact]
    public void A_pod_whose_namespace_vanished_without_del_is_reclaimed()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        _node.RemovePod(pod);

        SpinWait.SpinUntil(() => _node.Allocations().Count == 0, TimeSpan.FromSeconds(10)).Should().BeTrue(
            "housekeeping releases addresses whose interface is gone");
    }

    [Fact]
    public void A_restart_keeps_every_live_attachment()
    {
        var pods = Enumerable.Range(0, 5).Select(i => _node.AddPod($"p{i}")).ToArray();
        for (int i = 0; i < pods.Length; i++)
            _node.Plugin("ADD", $"c{i}", pods[i]).ExitCode.Should().Be(0);
        var before = _node.Allocations().Select(a => (a.ContainerId, a.Address)).ToList();

        _node.StopDaemon();
        _node.StartDaemon();

        _node.Allocations().Select(a => (a.ContainerId, a.Address)).Should().BeEquivalentTo(before);
        var check = _node.Plugin("ADD", "c-new", _node.AddPod("new"));
        check.ExitCode.Should().Be(0);
        before.Select(b => b.Address).Should().NotContain(BurstTests.AddressOf(check));
    }
}
