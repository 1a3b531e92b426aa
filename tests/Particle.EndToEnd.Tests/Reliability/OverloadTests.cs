using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// 2,000 ADDs arriving at once (plus some through the real plugin binary): every answer is success or a
/// clean code 11, within the documented bounds; every success is a complete attachment, every refusal
/// left nothing; particled's memory stays bounded; DEL of everything leaves nothing behind.
/// </summary>
public sealed class OverloadTests
{
    private const int SocketAdds = 2000;
    private const int PluginAdds = 60;
    /// <summary>Far above particled's working size (tens of MiB); a leak per queued request would pass it.</summary>
    private const long RssBoundBytes = 256L << 20;

    [Fact]
    public async Task Two_thousand_simultaneous_adds_get_success_or_code_11_and_nothing_partial()
    {
        using var node = new TestNode(subnet: "10.123.0.0/20", namePrefix: "prl");
        // One namespace per pod, as a runtime does (a second interface in a namespace would find its default route taken).
        var podOf = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var containers = Enumerable.Range(0, SocketAdds).Select(i => $"ovl{i}").Concat(Enumerable.Range(0, PluginAdds).Select(i => $"bin{i}")).ToList();
        Parallel.ForEach(containers, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c => podOf[c] = node.AddPod(c));
        var requests = Enumerable.Range(0, SocketAdds).Select(i => new DaemonRequest
        {
            Verb = Verbs.Add, Network = TestNode.NetworkName, ContainerId = $"ovl{i}", IfName = "eth0", Netns = podOf[$"ovl{i}"],
        }).ToList();

        using var sampling = new CancellationTokenSource();
        long peakRss = 0;
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakRss = Math.Max(peakRss, Rss(node.DaemonPid));
                await Task.Delay(20);
            }
        });

        // Connect everything first, then send every request before reading any answer: they arrive together.
        var sockets = await Task.WhenAll(requests.Select(_ => RawDaemonClient.ConnectAsync(node.SocketPath)));
        var clock = Stopwatch.StartNew();
        var answers = new DaemonResponse?[SocketAdds];
        var pluginRuns = new Task<ProcessResult>[PluginAdds];
        try
        {
            await Task.WhenAll(requests.Select((r, i) => RawDaemonClient.SendAsync(sockets[i], r)));
            for (int i = 0; i < PluginAdds; i++)
            {
                string id = $"bin{i}", pod = podOf[id];
                pluginRuns[i] = Task.Run(() => node.Plugin("ADD", id, pod));
            }
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await Task.WhenAll(sockets.Select(async (s, i) => answers[i] = await RawDaemonClient.ReceiveAsync(s, deadline.Token)));
            await Task.WhenAll(pluginRuns);
        }
        finally
        {
            foreach (var socket in sockets)
                socket.Dispose();
            sampling.Cancel();
            await sampler;
        }
        var elapsed = clock.Elapsed;

        // Every answer is success or a clean 11.
        answers.Should().AllSatisfy(a => a.Should().NotBeNull("particled answers every request it accepted"));
        var codes = answers.GroupBy(a => a!.Code).ToDictionary(g => g.Key, g => g.Count());
        codes.Keys.Should().BeSubsetOf([0, ErrorCodes.TryAgainLater], JsonSerializer.Serialize(codes) + ": " +
            string.Join("; ", answers.Where(a => a!.Code is not (0 or ErrorCodes.TryAgainLater)).Take(3).Select(a => a!.Message)));
        foreach (var refusal in answers.Where(a => a!.Code == ErrorCodes.TryAgainLater))
            refusal!.Message.Should().Contain("try again later");
        codes.GetValueOrDefault(0).Should().BeGreaterThan(0);
        var pluginResults = pluginRuns.Select(t => t.Result).ToList();
        foreach (var run in pluginResults.Where(r => r.ExitCode != 0))
        {
            using var error = JsonDocument.Parse(run.Stdout);
            error.RootElement.GetProperty("code").GetInt32().Should().Be(ErrorCodes.TryAgainLater, run.ToString());
        }

        // Every success is a complete attachment, every refusal left nothing.
        var expected = new Dictionary<(string Container, string IfName), string>();
        for (int i = 0; i < SocketAdds; i++)
        {
            if (answers[i]!.Code == 0)
                expected[(requests[i].ContainerId!, requests[i].IfName!)] = answers[i]!.Result!.Ips[0].Address;
        }
        for (int i = 0; i < PluginAdds; i++)
        {
            if (pluginResults[i].ExitCode != 0)
                continue;
            using var result = JsonDocument.Parse(pluginResults[i].Stdout);
            expected[($"bin{i}", "eth0")] = result.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!;
        }
        // A plugin that gave up after its request was delivered left a note; the daemon undoes that ADD.
        await WaitForAllocations(node, expected.Count);
        AssertAttachedExactly(node, podOf, expected);

        Console.WriteLine($"overload: {SocketAdds} socket ADDs + {PluginAdds} plugin ADDs in {elapsed.TotalSeconds:F1} s: " +
            $"{JsonSerializer.Serialize(codes)} (socket), {pluginResults.Count(r => r.ExitCode == 0)} plugin successes; " +
            $"particled peak RSS {peakRss >> 20} MiB");
        peakRss.Should().BeGreaterThan(0).And.BeLessThan(RssBoundBytes);

        // DEL everything; nothing is left.
        var dels = expected.Keys.Select(k => new DaemonRequest
        {
            Verb = Verbs.Del, Network = TestNode.NetworkName, ContainerId = k.Container, IfName = k.IfName,
            Netns = podOf[k.Container],
        }).ToList();
        foreach (var batch in dels.Chunk(200))
        {
            var replies = await Task.WhenAll(batch.Select(d => RawDaemonClient.ExchangeAsync(node.SocketPath, d)));
            replies.Should().AllSatisfy(r => r!.Code.Should().Be(0, r!.Message));
        }
        AssertAttachedExactly(node, podOf, []);
        node.DaemonLog.Should().NotContain("request failed unexpectedly");
    }

    private static async Task WaitForAllocations(TestNode node, int count)
    {
        for (int i = 0; i < 100 && node.Allocations().Count != count; i++)
            await Task.Delay(100);
    }

    private static void AssertAttachedExactly(TestNode node, IReadOnlyDictionary<string, string> podOf, Dictionary<(string Container, string IfName), string> expected)
    {
        var allocations = node.Allocations();
        // LIST gives the bare address, results and the pod's interface carry the prefix.
        allocations.Select(a => ((a.ContainerId, a.IfName), a.Address))
            .Should().BeEquivalentTo(expected.Select(e => (e.Key, e.Value.Split('/')[0])));
        allocations.Select(a => a.Address).Should().OnlyHaveUniqueItems();
        var nodeLinks = node.Links().ToHashSet();
        foreach (var allocation in allocations)
        {
            allocation.Committed.Should().BeTrue();
            nodeLinks.Should().Contain(allocation.HostInterface!);
        }
        nodeLinks.Where(l => l.StartsWith("pc", StringComparison.Ordinal)).Should().HaveCount(expected.Count, "no host veth without an allocation");

        var podInterfaces = new Dictionary<(string Container, string IfName), string>();
        foreach (var (container, pod) in podOf)
        {
            using var doc = JsonDocument.Parse(Shell.Check("ip", "-4", "-n", Path.GetFileName(pod), "-j", "addr", "show"));
            foreach (var link in doc.RootElement.EnumerateArray())
            {
                string name = link.GetProperty("ifname").GetString()!;
                if (name == "lo")
                    continue;
                expected.Should().ContainKey((container, name), $"{name} in {pod} belongs to a successful ADD");
                var addr = link.GetProperty("addr_info").EnumerateArray().Single();
                podInterfaces[(container, name)] = $"{addr.GetProperty("local").GetString()}/{addr.GetProperty("prefixlen").GetInt32()}";
            }
        }
        podInterfaces.Should().BeEquivalentTo(expected);
    }

    private static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
