using System.Text.Json;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// The endpoint pool through the real plugin and particled: bursts drain and refill it without a failed
/// ADD or a duplicate address; its entries survive SIGKILL; DEL retires pairs that the background deleter
/// removes, and nothing of either leaks.
/// </summary>
public sealed class EndpointPoolTests(ITestOutputHelper output)
{
    [Fact]
    public void A_burst_larger_than_the_pool_drains_and_refills_it_with_no_failure_and_no_duplicate_address()
    {
        const int Pods = 80;
        using var pool = new EndpointPoolNode(target: 16, min: 4, max: 64, refillBatch: 8);
        var node = pool.Node;
        pool.WaitFull();
        var netns = Enumerable.Range(0, Pods).Select(i => node.AddPod($"p{i}")).ToArray();

        var results = new ProcessResult[Pods];
        Parallel.For(0, Pods, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i => results[i] = node.Plugin("ADD", $"c{i}", netns[i]));

        results.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.ToString()));
        var addresses = results.Select(AddressOf).ToList();
        addresses.Should().OnlyHaveUniqueItems();
        pool.Attachments().Select(a => a.Address).Should().BeEquivalentTo(addresses);
        var status = pool.WaitFull();
        output.WriteLine($"after the burst: taken {status.Taken}, empty fallbacks {status.EmptyFallbacks}, working target {status.Target}, " +
            $"refilled {status.Refilled} in {status.RefillRounds} rounds, last round {status.RefillPerSecond}/s");
        status.Taken.Should().BeGreaterThanOrEqualTo(16, "the pool was full when the burst began");
        (status.Taken + status.EmptyFallbacks).Should().Be(Pods, "every ADD asked the pool once");
        status.Target.Should().BeInRange(16, 64);
        pool.Entries().Select(e => e.Address).Should().NotIntersectWith(addresses, "an entry's address is never also a pod's");
        addresses.AsParallel().WithDegreeOfParallelism(16).Where(a => !node.PingFromNode(a)).Should().BeEmpty();

        Parallel.For(0, Pods, new ParallelOptions { MaxDegreeOfParallelism = 16 },
            i => node.Plugin("DEL", $"c{i}", netns[i]).ExitCode.Should().Be(0));

        pool.Attachments().Should().BeEmpty();
        netns.Should().AllSatisfy(n => node.Links(n).Should().NotContain("eth0", "DEL frees the pod's interface name at once"));
        pool.WaitFull();
        pool.Veths().Should().BeEmpty("the background deleter removed every retired pair");
        netns.Should().AllSatisfy(n => node.Links(n).Should().Equal(["lo"], "the retired pod ends went with their pairs"));
        pool.Entries().Should().HaveCount(pool.Pool().Target);
    }

    [Fact]
    public void Entries_and_retired_pairs_survive_sigkill_consistently_and_nothing_leaks()
    {
        using var pool = new EndpointPoolNode(target: 8, min: 2, max: 32, refillBatch: 4);
        var node = pool.Node;
        pool.WaitFull();
        var netns = Enumerable.Range(0, 5).Select(i => node.AddPod($"p{i}")).ToArray();
        var addresses = Enumerable.Range(0, 5).Select(i => AddressOf(node.Plugin("ADD", $"c{i}", netns[i]))).ToList();
        pool.WaitFull();
        // Two DELs answered, their pairs retired; the daemon dies before the background deleter can run.
        node.Plugin("DEL", "c0", netns[0]).ExitCode.Should().Be(0);
        node.Plugin("DEL", "c1", netns[1]).ExitCode.Should().Be(0);
        node.KillDaemon();
        var entriesBefore = new HashSet<string>(Journal(node).Where(r => r.StartsWith("_endpoint-", StringComparison.Ordinal)));

        node.StartDaemon();

        var status = pool.WaitFull();
        status.Refilled.Should().Be(0, "every journaled entry was adopted, none made again");
        pool.Entries().Select(e => $"{e.ContainerId}={e.Address}").Should().BeEquivalentTo(entriesBefore);
        pool.Veths().Should().HaveCount(3).And.OnlyContain(l => l.StartsWith("pc"), "retired pairs were deleted at start");
        pool.Attachments().Select(a => a.Address).Should().BeEquivalentTo(addresses.Skip(2));
        addresses.Skip(2).Should().AllSatisfy(a => node.PingFromNode(a).Should().BeTrue());
        node.Links(netns[0]).Should().Equal("lo");

        for (int i = 2; i < 5; i++)
            node.Plugin("DEL", $"c{i}", netns[i]).ExitCode.Should().Be(0);
        pool.WaitFull();
        pool.Veths().Should().BeEmpty();
        pool.Attachments().Should().BeEmpty();
        pool.Status().AddressesUsed.Should().Be(8, "only the pool's entries hold addresses");
    }

    [Fact]
    public void At_start_an_entry_the_kernel_contradicts_is_removed_and_a_pool_turned_off_gives_every_entry_back()
    {
        using var pool = new EndpointPoolNode(target: 4, min: 1, max: 8, refillBatch: 4);
        var node = pool.Node;
        pool.WaitFull();
        var entries = pool.Entries();
        node.KillDaemon();
        // A device carrying an entry's host name: journal and kernel disagree about that entry.
        var victim = entries[0];
        string clash = HostVethName.For(new AttachmentId(TestNode.NetworkName, victim.ContainerId, victim.IfName));
        Shell.Check("ip", "-n", node.Namespace, "link", "add", clash, "type", "bridge");

        node.StartDaemon();

        var status = pool.WaitFull();
        node.Links().Should().NotContain(clash, "the contradicting device was removed");
        pool.Entries().Should().HaveCount(4).And.NotContain(e => e.ContainerId == victim.ContainerId);
        status.Refilled.Should().Be(1, "three entries were adopted, one made anew");

        node.KillDaemon();
        File.WriteAllText(node.ConfigPath, File.ReadAllText(node.ConfigPath)
            .Replace("\"target\": 4", "\"target\": 0").Replace("\"min\": 1", "\"min\": 0"));
        node.StartDaemon();

        pool.Status().EndpointPool.Should().BeNull("the pool is off");
        node.Allocations().Should().BeEmpty("a pool turned off gives its addresses back");
    }

    [Fact]
    public void Del_then_add_of_the_same_key_in_the_same_namespace_works_at_once_and_check_follows_the_truth()
    {
        using var pool = new EndpointPoolNode(target: 4, min: 1, max: 8, refillBatch: 4);
        var node = pool.Node;
        pool.WaitFull();
        var pod = node.AddPod("p");
        var first = node.Plugin("ADD", "c", pod);
        first.ExitCode.Should().Be(0, first.ToString());

        node.Plugin("DEL", "c", pod).ExitCode.Should().Be(0);
        var check = node.Plugin("CHECK", "c", pod, stdin: CheckConf(node, first.Stdout));
        var again = node.Plugin("ADD", "c", pod);

        LifecycleTests.Code(check).Should().Be(103, "CHECK after DEL finds no attachment: " + check);
        again.ExitCode.Should().Be(0, again + node.DaemonLog);
        node.Addresses(pod, "eth0").Should().Equal(AddressOf(again) + "/32");
        node.Plugin("CHECK", "c", pod, stdin: CheckConf(node, again.Stdout)).ExitCode.Should().Be(0);
        node.PingFromNode(AddressOf(again)).Should().BeTrue();
        node.Plugin("DEL", "c", pod).ExitCode.Should().Be(0);
        pool.WaitFull();
        pool.Veths().Should().BeEmpty();
    }

    [Fact]
    public void An_idle_pool_shrinks_to_min_and_the_next_add_brings_it_back_to_target()
    {
        using var pool = new EndpointPoolNode(target: 8, min: 2, max: 16, refillBatch: 8, idleShrinkSeconds: 1);
        var node = pool.Node;

        var shrunk = pool.WaitFor(s => s.EndpointPool!.Free == 2 && s.EndpointPool.Released >= 6, "pool did not shrink").EndpointPool!;
        shrunk.Target.Should().Be(2);
        pool.Entries().Should().HaveCount(2, "the shrink gave the addresses back");

        var pod = node.AddPod("p");
        node.Plugin("ADD", "c", pod).ExitCode.Should().Be(0);

        pool.WaitFor(s => s.EndpointPool!.Free == 8, "pool did not grow back").EndpointPool!.Target.Should().Be(8);
        node.Plugin("DEL", "c", pod).ExitCode.Should().Be(0);
    }

    private static string AddressOf(ProcessResult add)
    {
        add.ExitCode.Should().Be(0, add.ToString());
        using var doc = JsonDocument.Parse(add.Stdout);
        return doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];
    }

    private static string CheckConf(TestNode node, string addResult) =>
        node.NetConf("1.0.0").TrimEnd().TrimEnd('}') + ",\"prevResult\":" + addResult + "}";

    /// <summary>Live "containerId=address" lines of the journal file itself.</summary>
    private static List<string> Journal(TestNode node)
    {
        var live = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(node.StateDir, "ipam.journal")))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            string id = r.GetProperty("containerId").GetString()!;
            if (r.GetProperty("op").GetString() == "add")
                live[id] = r.GetProperty("address").GetString()!;
            else
                live.Remove(id);
        }
        return live.Select(kv => $"{kv.Key}={kv.Value}").ToList();
    }
}
