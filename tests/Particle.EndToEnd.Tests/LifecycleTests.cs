using System.Text.Json;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>ADD, CHECK, DEL and GC through the published plugin against a real daemon in a node namespace.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TestNode _node = new();

    public void Dispose() => _node.Dispose();

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Add_check_del_round_trip(string cniVersion)
    {
        var pod = _node.AddPod("p");

        var add = _node.Plugin("ADD", "c1", pod, cniVersion);

        add.ExitCode.Should().Be(0, add.ToString());
        using var result = JsonDocument.Parse(add.Stdout);
        var root = result.RootElement;
        root.GetProperty("cniVersion").GetString().Should().Be(cniVersion);
        var interfaces = root.GetProperty("interfaces");
        // Routed pods: the host end and the pod's interface, no bridge.
        interfaces.GetArrayLength().Should().Be(2);
        interfaces[0].GetProperty("name").GetString().Should().Be(HostVethName.For(new AttachmentId(TestNode.NetworkName, "c1", "eth0")));
        interfaces[0].TryGetProperty("sandbox", out _).Should().BeFalse();
        interfaces[1].GetProperty("name").GetString().Should().Be("eth0");
        interfaces[1].GetProperty("sandbox").GetString().Should().Be(pod);
        interfaces[1].GetProperty("mac").GetString().Should().MatchRegex("^([0-9a-f]{2}:){5}[0-9a-f]{2}$");
        interfaces[1].TryGetProperty("mtu", out _).Should().Be(cniVersion == "1.1.0", "mtu exists from 1.1.0 on");
        var ip = root.GetProperty("ips")[0];
        ip.GetProperty("interface").GetInt32().Should().Be(1);
        ip.GetProperty("gateway").GetString().Should().Be("10.123.0.1");
        ip.TryGetProperty("version", out _).Should().Be(cniVersion.StartsWith("0."), "ips[].version went away in 1.0.0");
        string address = ip.GetProperty("address").GetString()!;

        _node.Addresses(pod, "eth0").Should().Equal(address);
        _node.PingFromNode(address.Split('/')[0]).Should().BeTrue();
        _node.Allocations().Select(a => a.Address + "/32").Should().Equal(address);

        if (cniVersion != "0.3.0" && cniVersion != "0.3.1")
        {
            var check = _node.Plugin("CHECK", "c1", pod, cniVersion, stdin: WithPrevResult(_node.NetConf(cniVersion), add.Stdout));
            check.ExitCode.Should().Be(0, check.ToString());
            check.Stdout.Should().BeEmpty();
        }

        var del = _node.Plugin("DEL", "c1", pod, cniVersion);
        del.ExitCode.Should().Be(0, del.ToString());
        del.Stdout.Should().BeEmpty();
        _node.Links(pod).Should().NotContain("eth0");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Check_fails_when_the_address_was_removed_behind_the_plugins_back()
    {
        var pod = _node.AddPod("p");
        var add = _node.Plugin("ADD", "c1", pod);
        add.ExitCode.Should().Be(0, add.ToString());
        var address = _node.Addresses(pod, "eth0").Single();
        Shell.Check("ip", "-n", Path.GetFileName(pod), "addr", "del", address, "dev", "eth0");

        var check = _node.Plugin("CHECK", "c1", pod, stdin: WithPrevResult(_node.NetConf("1.0.0"), add.Stdout));

        check.ExitCode.Should().NotBe(0);
        Code(check).Should().Be(103);
        Message(check).Should().Contain($"lacks address {address}");
    }

    [Fact]
    public void Del_is_repeatable_and_works_without_add()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("DEL", "never-added", pod).ExitCode.Should().Be(0);
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        _node.Plugin("DEL", "c1", pod).ExitCode.Should().Be(0);
        var again = _node.Plugin("DEL", "c1", pod);

        again.ExitCode.Should().Be(0, again.ToString());
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Del_with_empty_netns_removes_the_interface_and_releases_the_address()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        var del = _node.Plugin("DEL", "c1", "");

        del.ExitCode.Should().Be(0, del.ToString());
        _node.Links(pod).Should().NotContain("eth0");
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Del_after_the_namespace_is_gone_succeeds_and_releases_the_address()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);
        _node.RemovePod(pod);

        var del = _node.Plugin("DEL", "c1", pod);

        del.ExitCode.Should().Be(0, del.ToString());
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Add_of_an_existing_interface_name_fails_and_leaves_nothing()
    {
        var pod = _node.AddPod("p");
        Shell.Check("ip", "-n", Path.GetFileName(pod), "link", "add", "eth0", "type", "bridge"); // any device will do (this kernel has no dummy driver)

        var add = _node.Plugin("ADD", "c1", pod);

        add.ExitCode.Should().NotBe(0);
        Code(add).Should().Be(102);
        Message(add).Should().Contain("eth0 already exists");
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        _node.Links(pod).Should().BeEquivalentTo(["lo", "eth0"]);
    }

    [Fact]
    public void Add_twice_is_refused_without_harming_the_first_attachment()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);
        var address = _node.Allocations().Single().Address;

        var again = _node.Plugin("ADD", "c1", pod);

        again.ExitCode.Should().NotBe(0);
        Code(again).Should().Be(102);
        _node.Allocations().Select(a => a.Address).Should().Equal(address);
        _node.PingFromNode(address).Should().BeTrue();
    }

    [Fact]
    public void A_failure_after_the_address_was_taken_gives_it_back()
    {
        // The host end's name is taken on the node, so the veth cannot be created: a failure after IPAM.
        var pod = _node.AddPod("p");
        var hostName = HostVethName.For(new AttachmentId(TestNode.NetworkName, "c1", "eth0"));
        Shell.Check("ip", "-n", _node.Namespace, "link", "add", hostName, "type", "bridge"); // any device will do (this kernel has no dummy driver)

        var add = _node.Plugin("ADD", "c1", pod);

        add.ExitCode.Should().NotBe(0);
        Code(add).Should().Be(102);
        Message(add).Should().Contain($"host interface {hostName} already exists");
        _node.Allocations().Should().BeEmpty();
        _node.Links(pod).Should().Equal("lo");
        _node.Links().Should().Contain(hostName, "a device the daemon did not make is not the daemon's to delete");
    }

    [Fact]
    public void A_failure_in_the_last_kernel_step_undoes_the_veth_and_the_address()
    {
        // A second interface of the same pod: its default route collides with the first one's, which
        // fails the very last step of ADD, after the veth exists and carries its address.
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        var second = _node.Plugin("ADD", "c1", pod, ifName: "eth1");

        Code(second).Should().Be(100);
        Message(second).Should().Contain("RTM_NEWROUTE").And.Contain("EEXIST");
        _node.Allocations().Select(a => a.IfName).Should().Equal("eth0");
        _node.Links(pod).Should().BeEquivalentTo(["lo", "eth0"]);
        _node.Links().Should().ContainSingle(l => l.StartsWith(HostVethName.Prefix));
    }

    [Fact]
    public void Add_into_the_nodes_own_namespace_is_refused()
    {
        var add = _node.Plugin("ADD", "c1", $"/proc/{_node.DaemonPid}/ns/net");

        Code(add).Should().Be(4);
        Message(add).Should().Contain("node's own network namespace");
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }

    [Fact]
    public void Add_into_a_missing_namespace_is_container_unknown()
    {
        var add = _node.Plugin("ADD", "c1", $"/run/netns/{_node.Prefix}-missing");

        Code(add).Should().Be(3);
        Message(add).Should().Contain("does not exist");
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Gc_releases_every_attachment_not_listed_as_valid()
    {
        var pods = Enumerable.Range(0, 3).Select(i => _node.AddPod($"p{i}")).ToList();
        for (int i = 0; i < 3; i++)
            _node.Plugin("ADD", $"c{i}", pods[i], "1.1.0").ExitCode.Should().Be(0);
        var conf = _node.NetConf("1.1.0").TrimEnd().TrimEnd('}') +
            ""","cni.dev/valid-attachments":[{"containerID":"c1","ifname":"eth0"}]}""";

        var gc = _node.Plugin("GC", "", "", "1.1.0", stdin: conf);

        gc.ExitCode.Should().Be(0, gc.ToString());
        _node.Allocations().Select(a => a.ContainerId).Should().Equal("c1");
        _node.Links(pods[0]).Should().NotContain("eth0");
        _node.Links(pods[1]).Should().Contain("eth0");
        _node.Links(pods[2]).Should().NotContain("eth0");
    }

    [Fact]
    public void Status_is_ok_while_the_daemon_serves()
    {
        var status = _node.Plugin("STATUS", "", "", "1.1.0");

        status.ExitCode.Should().Be(0, status.ToString());
        status.Stdout.Should().BeEmpty();
    }

    internal static string WithPrevResult(string netConf, string result) =>
        netConf.TrimEnd().TrimEnd('}') + $",\"prevResult\":{result.Trim()}}}";

    internal static int Code(ProcessResult r)
    {
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("code").GetInt32();
    }

    internal static string Message(ProcessResult r)
    {
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("msg").GetString()!;
    }
}
