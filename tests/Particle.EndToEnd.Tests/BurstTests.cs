using System.Text.Json;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>Many ADDs at once, and a daemon that dies in the middle of them.</summary>
public sealed class BurstTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.124.0.0/22");

    public void Dispose() => _node.Dispose();

    [Fact]
    public void Hundred_concurrent_adds_get_distinct_reachable_addresses()
    {
        const int pods = 100;
        var netns = Enumerable.Range(0, pods).Select(i => _node.AddPod($"p{i}")).ToArray();

        var results = new ProcessResult[pods];
        Parallel.For(0, pods, new ParallelOptions { MaxDegreeOfParallelism = pods },
            i => results[i] = _node.Plugin("ADD", $"c{i}", netns[i]));

        results.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.ToString()));
        var addresses = results.Select(AddressOf).ToList();
        addresses.Should().OnlyHaveUniqueItems();
        _node.Allocations().Select(a => a.Address).Should().BeEquivalentTo(addresses);
        var unreachable = addresses.AsParallel().WithDegreeOfParallelism(16).Where(a => !_node.PingFromNode(a)).ToList();
        unreachable.Should().BeEmpty();
        _node.Ping(netns[0], addresses[^1]).Should().BeTrue("pods on the same bridge reach each other");

        Parallel.For(0, pods, new ParallelOptions { MaxDegreeOfParallelism = 32 },
            i => _node.Plugin("DEL", $"c{i}", netns[i]).ExitCode.Should().Be(0));
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
    }

    [Fact]
    public async Task Daemon_killed_in_a_burst_loses_no_completed_add_and_keeps_no_failed_one()
    {
        const int pods = 60;
        var netns = Enumerable.Range(0, pods).Select(i => _node.AddPod($"p{i}")).ToArray();
        var results = new ProcessResult?[pods];
        int completed = 0;

        var burst = Task.Run(() => Parallel.For(0, pods, new ParallelOptions { MaxDegreeOfParallelism = 16 }, i =>
        {
            results[i] = _node.Plugin("ADD", $"c{i}", netns[i]);
            Interlocked.Increment(ref completed);
        }));
        SpinWait.SpinUntil(() => Volatile.Read(ref completed) >= 10, TimeSpan.FromSeconds(30));
        _node.KillDaemon();
        await burst.WaitAsync(TimeSpan.FromSeconds(120));
        _node.StartDaemon();

        var succeeded = Enumerable.Range(0, pods).Where(i => results[i]!.ExitCode == 0).ToList();
        var failed = Enumerable.Range(0, pods).Except(succeeded).ToList();
        succeeded.Should().NotBeEmpty();
        failed.Should().NotBeEmpty("the daemon was killed while ADDs were still arriving");
        failed.Should().AllSatisfy(i => LifecycleTests.Code(results[i]!).Should().Be(11, results[i]!.ToString()));

        var allocations = _node.Allocations();
        allocations.Select(a => a.Address).Should().OnlyHaveUniqueItems();
        allocations.Select(a => a.ContainerId).Should().BeEquivalentTo(succeeded.Select(i => $"c{i}"),
            "every answered ADD keeps its address and no failed one holds any");
        foreach (var i in succeeded)
        {
            var address = AddressOf(results[i]!);
            allocations.Single(a => a.ContainerId == $"c{i}").Address.Should().Be(address);
            _node.Addresses(netns[i], "eth0").Should().Equal($"{address}/32");
        }
        foreach (var i in failed)
            _node.Links(netns[i]).Should().NotContain("eth0", $"the failed ADD of c{i} must leave nothing behind");

        // The restarted daemon serves the rest without handing out a held address twice.
        foreach (var i in failed)
            _node.Plugin("ADD", $"c{i}", netns[i]).ExitCode.Should().Be(0);
        _node.Allocations().Should().HaveCount(pods).And.OnlyHaveUniqueItemsOf(a => a.Address);
    }

    internal static string AddressOf(ProcessResult add)
    {
        using var doc = JsonDocument.Parse(add.Stdout);
        return doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];
    }
}

internal static class CollectionAssertionExtensions
{
    public static void OnlyHaveUniqueItemsOf<T>(this FluentAssertions.Collections.GenericCollectionAssertions<T> assertions,
        Func<T, object> key) =>
        assertions.Subject.Select(key).Should().OnlyHaveUniqueItems();
}
