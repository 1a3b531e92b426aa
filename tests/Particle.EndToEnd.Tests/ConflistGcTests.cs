using System.Text.Json.Nodes;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// Garbage collection the way libcni's GCNetworkList does it: cached attachments missing from the
/// runtime's valid list are deleted through the whole chain, then (lists of version 1.1.0 and later) every
/// plugin gets GC with cni.dev/valid-attachments, which is how particle learns of attachments the runtime
/// lost track of.
/// </summary>
public sealed class ConflistGcTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.124.0.0/24", namePrefix: Runtimes.NamePrefix);

    public void Dispose() => _node.Dispose();

    [Fact]
    public void Gc_of_a_1_1_list_deletes_cached_attachments_not_listed_and_particle_releases_those_the_runtime_lost()
    {
        var driver = new ConflistDriver(_node, ShippedConflist.Load("10-particle.conflist", _node));
        driver.CniVersion.Should().Be("1.1.0", "libcni 1.2 takes the highest of cniVersions");
        var pods = new[] { "c1", "c2", "c3" }.ToDictionary(c => c, c => _node.AddPod(c));
        foreach (var (container, pod) in pods)
            driver.Add(container, pod);
        var kept = _node.Allocations().Single(a => a.ContainerId == "c1");
        // c3's record is lost (a wiped cache): only particle's GC can find it.
        driver.Forget("c3");

        var (gcIssued, errors) = driver.Gc(("c1", "eth0"));

        errors.Should().BeEmpty();
        gcIssued.Should().BeTrue();
        driver.Invocations.Where(i => i.Command is "DEL" or "GC").Should().Equal(("DEL", "particle", 0), ("GC", "particle", 0));
        _node.Allocations().Should().ContainSingle().Which.Should().BeEquivalentTo(kept);
        _node.Links().Where(l => l.StartsWith(HostVethName.Prefix)).Should().Equal(kept.HostInterface);
        Poll.Until(() => _node.Links(pods["c2"]).Count == 1 && _node.Links(pods["c3"]).Count == 1, TimeSpan.FromSeconds(10));
        _node.Links(pods["c2"]).Should().Equal("lo");
        _node.Links(pods["c3"]).Should().Equal(["lo"], "GC removed the lost attachment although its namespace is alive");
        _node.Ping(pods["c1"], "10.124.0.1").Should().BeTrue("the valid attachment still works");
    }

    [Fact]
    public void Gc_with_the_chained_reference_plugins_deletes_what_is_not_listed_through_the_whole_chain()
    {
        var conflist = ShippedConflist.Load("20-particle-chained.conflist", _node);
        var runtimeConfig = JsonNode.Parse("""
            { "bandwidth": { "ingressRate": 8000000, "ingressBurst": 80000, "egressRate": 8000000, "egressBurst": 80000 } }
            """)!.AsObject();
        var driver = new ConflistDriver(_node, conflist, runtimeConfig);
        var pods = new[] { "c1", "c2", "c3" }.ToDictionary(c => c, c => _node.AddPod(c));
        foreach (var (container, pod) in pods)
            driver.Add(container, pod);
        var addresses = _node.Allocations().ToDictionary(a => a.ContainerId, a => a.Address);
        _node.Links().Count(l => l.StartsWith("bwp")).Should().Be(3, "bandwidth shapes each pod's ingress through an ifb");

        var (gcIssued, errors) = driver.Gc(("c1", "eth0"));

        errors.Should().BeEmpty();
        // The Debian reference plugins speak up to 1.0.0, so the list is 1.0.0 and libcni sends no GC verb.
        gcIssued.Should().BeFalse();
        driver.Invocations.Should().NotContain(i => i.Command == "GC");
        driver.Invocations.Where(i => i.Command == "DEL").Select(i => i.Plugin).Should().Equal(
            "firewall", "tuning", "bandwidth", "portmap", "particle", "firewall", "tuning", "bandwidth", "portmap", "particle");
        _node.Allocations().Select(a => a.ContainerId).Should().Equal("c1");
        _node.Links().Count(l => l.StartsWith(HostVethName.Prefix)).Should().Be(1);
        _node.Links().Count(l => l.StartsWith("bwp")).Should().Be(1);
        var rules = Shell.Check("ip", "netns", "exec", _node.Namespace, "iptables-save");
        rules.Should().Contain(addresses["c1"]).And.NotContain(addresses["c2"] + "/").And.NotContain(addresses["c3"] + "/");
        // DEL answers once the pod's interface is detached and renamed; the pair is deleted in the background.
        Poll.Until(() => _node.Links(pods["c2"]).Count == 1 && _node.Links(pods["c3"]).Count == 1, TimeSpan.FromSeconds(10));
        _node.Links(pods["c2"]).Should().Equal("lo");
        _node.Links(pods["c3"]).Should().Equal("lo");
        _node.Ping(pods["c1"], "10.124.0.1").Should().BeTrue("the valid attachment still works");

        driver.Del("c1", pods["c1"]);
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix) || l.StartsWith("bwp"));
    }
}
