using System.Text.RegularExpressions;
using Particle.EndToEnd.Tests.Cri.Api;
using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// The Kubernetes node path: a CRI client (what kubelet is) asks containerd's CRI plugin for pod
/// sandboxes, and containerd makes the pod's namespace and runs the shipped conflist. No /etc/cni
/// file is involved (containerd has its own conf_dir), so these tests run beside the others.
/// </summary>
public sealed class CriSandboxTests : IDisposable
{
    private const string Gateway = "10.131.0.1";

    private readonly ITestOutputHelper _output;
    private readonly TestNode _node = new(subnet: "10.131.0.0/24", namePrefix: "pcri");
    private readonly CriContainerd _containerd;

    public CriSandboxTests(ITestOutputHelper output)
    {
        _output = output;
        try
        {
            _containerd = new CriContainerd(_node);
        }
        catch
        {
            _node.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _containerd.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void A_sandbox_gets_its_address_route_and_mtu_and_stop_then_remove_release_it()
    {
        var version = _containerd.Cri.Version();
        version.RuntimeName.Should().Be("containerd");
        version.RuntimeApiVersion.Should().Be("v1");
        string uid = Guid.NewGuid().ToString();

        string id = _containerd.RunPodSandbox("web", uid, podNamespace: "team-a");

        // particled's allocation is the address containerd reports, taken from particle's result.
        var allocation = _node.Allocations().Single();
        allocation.ContainerId.Should().Be(id);
        var status = _containerd.Cri.PodSandboxStatus(id).Status;
        status.State.Should().Be(PodSandboxState.SandboxReady);
        status.Network.Ip.Should().Be(allocation.Address);
        string netns = _containerd.NetnsOf(id);
        netns.Should().StartWith(_containerd.Dir, "netns_mounts_under_state_dir pins pod namespaces in containerd's state folder");

        // Inside the pod: the address, a default route through the gateway, the network's MTU.
        Shell.Check("nsenter", $"--net={netns}", "ip", "-4", "-o", "addr", "show", "eth0").Should().Contain($"inet {allocation.Address}/32");
        Shell.Check("nsenter", $"--net={netns}", "ip", "-4", "route", "show", "default").Should().Contain($"default via {Gateway} dev eth0");
        Shell.Check("nsenter", $"--net={netns}", "ip", "-o", "link", "show", "eth0").Should().Contain("mtu 1400");
        _node.PingFromNode(allocation.Address).Should().BeTrue();

        // What the CRI plugin called: one ADD with the pinned netns, the sandbox id, the pod's K8S_* arguments.
        var add = _containerd.Recorder.Calls().Single();
        add.Command.Should().Be("ADD");
        add.ContainerId.Should().Be(id).And.MatchRegex("^[0-9a-f]{64}$");
        add.Netns.Should().Be(netns);
        add.IfName.Should().Be("eth0");
        add.CniVersion.Should().Be("1.0.0");
        Pairs(add.Args).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["IgnoreUnknown"] = "1",
            ["K8S_POD_NAMESPACE"] = "team-a",
            ["K8S_POD_NAME"] = "web",
            ["K8S_POD_INFRA_CONTAINER_ID"] = id,
            ["K8S_POD_UID"] = uid,
        });
        // particle declares no capabilities, so containerd passes it no runtimeConfig.
        add.Config!.ContainsKey("runtimeConfig").Should().BeFalse();
        _node.DaemonLog.Should().MatchRegex($@"verb=ADD network=e2e container={id} ifname=eth0 netns={Regex.Escape(netns)} code=0 ms=[\d.]+ pod=team-a/web");
        File.Exists(CniResultCache.EntryPath(TestNode.NetworkName, id, "eth0")).Should().BeTrue("libcni caches the ADD result");

        // Stop: DEL with the namespace still pinned and the cached result; the address and libcni's
        // cache entries are gone.
        _containerd.Cri.StopPodSandbox(id);
        var del = NewCalls(1).Single();
        del.Command.Should().Be("DEL");
        del.Netns.Should().Be(netns);
        Pairs(del.Args).Should().BeEquivalentTo(Pairs(add.Args));
        del.Config!["prevResult"].Should().NotBeNull();
        _node.Allocations().Should().BeEmpty();
        _containerd.Cri.PodSandboxStatus(id).Status.State.Should().Be(PodSandboxState.SandboxNotready);
        File.Exists(CniResultCache.EntryPath(TestNode.NetworkName, id, "eth0")).Should().BeFalse("libcni drops the entry on DEL");
        File.Exists(CniResultCache.EntryPath("cni-loopback", id, "lo")).Should().BeFalse();
        _node.Links().Should().NotContain(l => l.StartsWith("pc"));
        File.Exists(netns).Should().BeFalse("Stop unpins the namespace");

        // Stop is idempotent (kubelet calls it more than once): containerd sends DEL again, now with no
        // namespace and no cached result, and so does Remove; particle answers each with nothing to do.
        _containerd.Cri.StopPodSandbox(id);
        NewCalls(2).Should().ContainSingle().Which.Should().Match<CniCall>(c => c.Command == "DEL" && c.Netns == "" && c.Config!["prevResult"] == null);
        _containerd.Cri.RemovePodSandbox(id);
        NewCalls(3).Should().ContainSingle().Which.Should().Match<CniCall>(c => c.Command == "DEL" && c.Netns == "" && c.Config!["prevResult"] == null);
        _containerd.Cri.RemovePodSandbox(id);
        NewCalls(4).Should().BeEmpty("a removed sandbox is not torn down again");
        _containerd.Cri.ListPodSandbox().Should().BeEmpty();
        _node.Allocations().Should().BeEmpty();
        _node.DaemonLog.Should().MatchRegex($@"verb=DEL network=e2e container={id} ifname=eth0 netns=- code=0 ms=[\d.]+ pod=team-a/web");
        _output.WriteLine(_containerd.Recorder.Table("containerd 1.6 (CRI)"));
    }

    [Fact]
    public void Pods_keep_their_addresses_when_containerd_is_killed_and_restarted()
    {
        var ids = Enumerable.Range(0, 3).Select(i => _containerd.RunPodSandbox($"pod{i}")).ToList();
        var before = ids.ToDictionary(id => id, id => _containerd.Cri.PodSandboxStatus(id).Status.Network.Ip);
        _node.Allocations().Select(a => (a.ContainerId, a.Address)).Should().BeEquivalentTo(before.Select(p => (p.Key, p.Value)));

        // SIGKILL: the shims and the pause processes live on, as do the pinned namespaces.
        _containerd.Kill();
        _containerd.Start();

        _containerd.Cri.ListPodSandbox().Where(s => s.State == PodSandboxState.SandboxReady).Select(s => s.Id)
            .Should().BeEquivalentTo(ids);
        foreach (var (id, address) in before)
        {
            _containerd.Cri.PodSandboxStatus(id).Status.Network.Ip.Should().Be(address);
            Shell.Check("nsenter", $"--net={_containerd.NetnsOf(id)}", "ip", "-4", "-o", "addr", "show", "eth0").Should().Contain($"inet {address}/32");
            _node.PingFromNode(address).Should().BeTrue();
        }
        _node.Allocations().Select(a => (a.ContainerId, a.Address)).Should().BeEquivalentTo(before.Select(p => (p.Key, p.Value)));
        _containerd.Recorder.Calls().Select(c => c.Command).Should().Equal(["ADD", "ADD", "ADD"], "a restarted containerd does not call the network again");

        foreach (var id in ids)
        {
            _containerd.Cri.StopPodSandbox(id);
            _containerd.Cri.RemovePodSandbox(id);
            File.Exists(CniResultCache.EntryPath(TestNode.NetworkName, id, "eth0")).Should().BeFalse();
        }
        _node.Allocations().Should().BeEmpty();
        // Two DELs a pod: Stop's with the namespace, Remove's without.
        _containerd.Recorder.Calls().Count(c => c.Command == "DEL").Should().Be(6);
    }

    /// <summary>The calls recorded after the first <paramref name="skip"/>.</summary>
    private List<CniCall> NewCalls(int seen) => _containerd.Recorder.Calls()[seen..];

    private static Dictionary<string, string> Pairs(string? args) =>
        (args ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
}
