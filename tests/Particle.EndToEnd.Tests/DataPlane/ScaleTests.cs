using System.Diagnostics;
using System.Net;
using Particle.EndToEnd.Tests.Harness;
using Particle.EndToEnd.Tests.Overlay;
using Particle.EndToEnd.Tests.Reliability;
using Particle.Linux;
using Particle.Protocol;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests.DataPlane;

/// <summary>
/// Far past a bridge's 1,023 ports on one node and network, without touching a kernel-wide limit: 4,000
/// pods, each answering ping from the node, then every DEL. The neighbour entries are the permanent ones
/// ADD wrote (outside gc_thresh3, which counts the dynamic entries of every namespace together).
/// </summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private const int Pods = 4000;
    private static readonly string[] KernelWide =
        ["net.ipv4.neigh.default.gc_thresh1", "net.ipv4.neigh.default.gc_thresh2", "net.ipv4.neigh.default.gc_thresh3", "net.core.netdev_max_backlog"];

    [Fact]
    public async Task Four_thousand_pods_on_one_node_answer_ping_and_all_go_again()
    {
        var limits = KernelWide.ToDictionary(k => k, Sysctl.Read);
        using var node = new TestNode(subnet: "10.140.0.0/20", namePrefix: "psc");
        string folder = Path.Combine(node.Dir, "pods");
        Directory.CreateDirectory(folder);
        var paths = Enumerable.Range(0, Pods).Select(i => Path.Combine(folder, $"p{i}")).ToList();
        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        try
        {
            var clock = Stopwatch.StartNew();
            Parallel.ForEach(paths, new ParallelOptions { MaxDegreeOfParallelism = 2 }, path =>
            {
                PinnedNamespace.Create(path, () => { });
                created.Add(path);
            });
            var namespaces = clock.Elapsed;

            clock.Restart();
            var answers = await ForEachAsync(Enumerable.Range(0, Pods), 16, i => RawDaemonClient.ExchangeAsync(node.SocketPath, new DaemonRequest
            {
                Verb = Verbs.Add, Network = TestNode.NetworkName, ContainerId = $"s{i}", IfName = "eth0", Netns = paths[i],
            }));
            var adds = clock.Elapsed;
            answers.Where(a => a?.Code != 0).Select(a => a?.Message).Should().BeEmpty();

            var addresses = answers.Select(a => IPAddress.Parse(a!.Result!.Ips![0].Address.Split('/')[0])).ToList();
            addresses.Distinct().Should().HaveCount(Pods);
            clock.Restart();
            var answering = IcmpSweep.Answering($"/run/netns/{node.Namespace}", addresses);
            var pings = clock.Elapsed;
            addresses.Where(a => !answering.Contains(a)).Take(10).Should().BeEmpty("every pod answers ping from the node");

            // Two permanent neighbour entries per pod (one in it, one on the node), no dynamic ones on the node's pod side.
            var neighbours = Shell.Check("ip", "-n", node.Namespace, "-4", "neigh", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
            neighbours.Count(l => l.TrimEnd().EndsWith("PERMANENT", StringComparison.Ordinal)).Should().BeGreaterThanOrEqualTo(Pods);
            neighbours.Count(l => !l.TrimEnd().EndsWith("PERMANENT", StringComparison.Ordinal)).Should().BeLessThan(10);

            clock.Restart();
            var deletes = await ForEachAsync(Enumerable.Range(0, Pods), 16, i => RawDaemonClient.ExchangeAsync(node.SocketPath, new DaemonRequest
            {
                Verb = Verbs.Del, Network = TestNode.NetworkName, ContainerId = $"s{i}", IfName = "eth0", Netns = paths[i],
            }));
            var dels = clock.Elapsed;
            deletes.Should().AllSatisfy(d => d!.Code.Should().Be(0));
            node.Allocations().Should().BeEmpty();
            Wait.Until(() => !node.Links().Any(l => l.StartsWith("pc", StringComparison.Ordinal) || l.StartsWith("pz", StringComparison.Ordinal)),
                "every veth pair is deleted", seconds: 60);
            output.WriteLine($"{Pods} pods: namespaces {namespaces.TotalSeconds:F1} s, ADD {adds.TotalSeconds:F1} s, ping sweep {pings.TotalSeconds:F1} s, DEL {dels.TotalSeconds:F1} s (16 at a time)");
        }
        finally
        {
            foreach (var path in created)
                PinnedNamespace.Destroy(path);
        }
        KernelWide.ToDictionary(k => k, Sysctl.Read).Should().Equal(limits, "the test changes no kernel-wide limit");
    }

    private static async Task<DaemonResponse?[]> ForEachAsync(IEnumerable<int> items, int concurrency, Func<int, Task<DaemonResponse?>> work)
    {
        var list = items.ToList();
        var results = new DaemonResponse?[list.Count];
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < list.Count; i = Interlocked.Increment(ref next))
                results[list[i]] = await work(list[i]);
        })));
        return results;
    }
}
