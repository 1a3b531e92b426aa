using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// A node reboot: particled dies without warning, every namespace and link is gone (the node's own
/// namespace included), only the state folder survives. The new particled reconciles: it releases every
/// address whose attachment no longer exists, rebuilds its gateway device, and serves new ADDs without handing
/// out an address twice.
/// </summary>
public sealed class NodeRestartTests
{
    [Fact]
    public void After_a_simulated_reboot_particled_releases_what_vanished_and_serves_new_adds_without_conflicts()
    {
        // 13 pod addresses: the new pods need some of those the old ones held.
        using var node = new TestNode(subnet: "10.123.0.0/28", namePrefix: "prl");
        var before = new Dictionary<string, string>();
        for (int i = 0; i < 6; i++)
        {
            string pod = node.AddPod($"old{i}");
            var add = node.Plugin("ADD", $"old{i}", pod);
            add.ExitCode.Should().Be(0, add.ToString());
            before[$"old{i}"] = Address(add.Stdout);
        }
        // One DEL the plugin could only note: particled is down when it comes.
        node.KillDaemon();
        var noted = node.Plugin("DEL", "old0", "");
        noted.ExitCode.Should().Be(0, noted.ToString());
        Directory.GetFiles(Path.Combine(node.StateDir, "pending-del")).Should().HaveCount(1);

        // The reboot: every pod namespace and the node namespace (with its bridge and host veths) vanish.
        for (int i = 0; i < 6; i++)
            node.RemovePod($"/run/netns/{node.Prefix}-old{i}");
        Shell.Check("ip", "netns", "del", node.Namespace);
        Shell.Check("ip", "netns", "add", node.Namespace);
        Shell.Check("ip", "-n", node.Namespace, "link", "set", "lo", "up");
        node.Links().Should().BeEquivalentTo(["lo"]);

        node.StartDaemon();
        node.Allocations().Should().BeEmpty("every attachment vanished with its namespace");
        node.Links().Should().Contain("pte0").And.HaveCount(2, "the bridge is rebuilt, nothing else");
        Directory.GetFiles(Path.Combine(node.StateDir, "pending-del")).Should().BeEmpty("the noted DEL was carried out");

        // New pods get addresses, including the ones the old pods held, and never one twice.
        var after = new Dictionary<string, string>();
        var pods = new Dictionary<string, string>();
        for (int i = 0; i < 8; i++)
        {
            string pod = node.AddPod($"new{i}");
            pods[$"new{i}"] = pod;
            var add = node.Plugin("ADD", $"new{i}", pod);
            add.ExitCode.Should().Be(0, add.ToString());
            after[$"new{i}"] = Address(add.Stdout);
            node.Addresses(pod, "eth0").Should().Equal(after[$"new{i}"]);
        }
        after.Values.Should().OnlyHaveUniqueItems();
        after.Values.Intersect(before.Values).Should().NotBeEmpty("released addresses are free again");
        node.Allocations().Select(a => a.ContainerId).Should().BeEquivalentTo(after.Keys);
        node.Ping(pods["new0"], after["new7"].Split('/')[0]).Should().BeTrue("new pods reach each other on the rebuilt node");

        // A second restart without a reboot keeps everything as it is.
        node.StopDaemon().Should().Be(0);
        node.StartDaemon();
        node.Allocations().Select(a => (a.ContainerId, a.Address)).Should()
            .BeEquivalentTo(after.Select(a => (a.Key, a.Value.Split('/')[0])));

        foreach (var (id, pod) in pods)
            node.Plugin("DEL", id, pod).ExitCode.Should().Be(0);
        node.Allocations().Should().BeEmpty();
        // DEL retires veth pairs and a background task deletes them in batches: give it a moment.
        Poll.Until(() => node.Links().Count == 2, TimeSpan.FromSeconds(10));
        node.Links().Should().BeEquivalentTo(["lo", "pte0"]);
    }

    private static string Address(string result)
    {
        using var doc = JsonDocument.Parse(result);
        return doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!;
    }
}
