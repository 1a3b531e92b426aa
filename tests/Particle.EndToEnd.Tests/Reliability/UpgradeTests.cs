using Particle.EndToEnd.Tests.Harness;
using Particle.EndToEnd.Tests.Overlay;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// A node running the bridge release (the commit in tests/baseline-release, built by scripts/test.sh)
/// upgrades by replacing the binaries and restarting particled: its pods keep their addresses and their
/// traffic (to each other, to the node, from new pods), and leave cleanly with the new release's DEL.
/// </summary>
public sealed class UpgradeTests
{
    [Fact]
    public void Pods_of_the_bridge_release_keep_their_traffic_across_the_upgrade()
    {
        string baseline = Binaries.BaselineDir;
        using var node = new TestNode(subnet: "10.141.0.0/24", start: false, namePrefix: "pup");
        // The bridge release knows the device by its "bridge" key, which the routed release still takes.
        File.WriteAllText(node.ConfigPath, File.ReadAllText(node.ConfigPath).Replace("\"gatewayInterface\":", "\"bridge\":"));
        node.StartDaemon(Path.Combine(baseline, "particled"));
        var old = new List<(string Netns, string Address)>();
        for (int i = 0; i < 3; i++)
        {
            var pod = node.AddPod($"old{i}");
            var add = node.Plugin("ADD", $"old{i}", pod, pluginPath: Path.Combine(baseline, "particle"));
            add.ExitCode.Should().Be(0, add.ToString());
            old.Add((pod, node.Allocations().Single(a => a.ContainerId == $"old{i}").Address));
        }
        node.Ping(old[0].Netns, old[1].Address).Should().BeTrue("the bridge release's pods reach each other before the upgrade");
        Shell.Check("ip", "-n", node.Namespace, "link", "show", "master", "pte0").Should().Contain("pc", "the bridge release hangs pods off its bridge");

        node.StopDaemon().Should().Be(0);
        node.StartDaemon();

        node.DaemonLog.Should().Contain("migrated bridge pte0 to routed pods: 3 pod interface(s)");
        Shell.Check("ip", "-n", node.Namespace, "link", "show", "master", "pte0").Should().NotContain("pc", "no pod is a port of the gateway device any more");
        node.Allocations().Select(a => a.Address).Should().BeEquivalentTo(old.Select(o => o.Address));
        foreach (var (from, own) in old)
        {
            foreach (var (_, to) in old.Where(o => o.Address != own))
                Wait.Until(() => node.Ping(from, to), $"{from} -> {to} after the upgrade");
            node.Ping(from, "10.141.0.1").Should().BeTrue("the gateway answers");
        }
        foreach (var (_, address) in old)
            node.PingFromNode(address).Should().BeTrue($"the node reaches {address}");

        // A pod of the new release and the old ones reach each other; CHECK of an old pod with its old result passes.
        var fresh = node.AddPod("new");
        node.Plugin("ADD", "new", fresh).ExitCode.Should().Be(0);
        string freshAddress = node.Allocations().Single(a => a.ContainerId == "new").Address;
        node.Ping(fresh, old[0].Address).Should().BeTrue();
        node.Ping(old[0].Netns, freshAddress).Should().BeTrue();

        foreach (var (netns, _) in old.Append((fresh, freshAddress)))
        {
            string id = netns == fresh ? "new" : $"old{old.FindIndex(o => o.Netns == netns)}";
            node.Plugin("DEL", id, netns).ExitCode.Should().Be(0);
        }
        node.Allocations().Should().BeEmpty();
        Wait.Until(() => !node.Links().Any(l => l.StartsWith("pc", StringComparison.Ordinal) || l.StartsWith("pz", StringComparison.Ordinal)),
            "every veth pair is gone after the DELs");
    }
}
