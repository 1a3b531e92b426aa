using System.Diagnostics;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// The pre-wired namespace pool through particled and particlectl: claims are usable at once, releases
/// are replaced, CNI ADD/DEL on a claimed namespace, restarts adopt what is consistent, nothing leaks.
/// </summary>
public sealed class NamespacePoolTests(ITestOutputHelper output) : IDisposable
{
    private const int Size = 4;
    private readonly PoolNode _pool = new(Size);

    public void Dispose() => _pool.Dispose();

    [Fact]
    public void Claim_returns_a_wired_namespace_that_reaches_the_gateway_and_release_replaces_it()
    {
        _pool.WaitFull();

        var claim = _pool.Claim();

        claim.Netns.Should().StartWith(_pool.PoolFolder + "/");
        claim.Interface.Should().Be("eth0");
        claim.Gateway.Should().Be("10.126.0.1");
        AddressesIn(claim.Netns).Should().Equal(claim.Address);
        _pool.PingFrom(claim.Netns, claim.Gateway).Should().BeTrue(_pool.DaemonLog);
        _pool.Node.PingFromNode(claim.Address.Split('/')[0]).Should().BeTrue();
        _pool.WaitFull(claimed: 1);

        _pool.Release(claim.Netns);

        File.Exists(claim.Netns).Should().BeFalse();
        _pool.Pins().Mounts.Should().NotContain(claim.Netns);
        _pool.HostVeths().Should().NotContain(claim.HostInterface);
        _pool.WaitFull().Destroyed.Should().Be(1);
        _pool.Node.Allocations().Should().HaveCount(Size);
    }

    [Fact]
    public void Thousand_claim_release_cycles_leak_nothing()
    {
        _pool.WaitFull();
        var latencies = new List<double>();
        var addresses = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            long started = Stopwatch.GetTimestamp();
            var claim = _pool.Claim();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            addresses.Add(claim.Address);
            _pool.Release(claim.Netns);
        }

        _pool.WaitFull();
        var (files, mounts) = _pool.Pins();
        files.Should().HaveCount(Size);
        mounts.Should().Equal(files);
        _pool.HostVeths().Should().HaveCount(Size);
        _pool.Node.Allocations().Should().HaveCount(Size).And.OnlyContain(a => a.ContainerId.StartsWith("pool-"));
        Directory.GetFiles(Path.Combine(_pool.Node.StateDir, "pool-claims")).Should().BeEmpty();
        latencies.Sort();
        output.WriteLine($"particlectl claim wall time over 1000: median {latencies[500]:F2} ms, p90 {latencies[900]:F2} ms");
    }

    [Fact]
    public void Cni_add_on_a_claimed_namespace_answers_its_wiring_and_del_releases_it()
    {
        _pool.WaitFull();
        var claim = _pool.Claim();
        var vethsBefore = _pool.HostVeths();

        var add = _pool.Node.Plugin("ADD", "fn1", claim.Netns);

        add.ExitCode.Should().Be(0, add + _pool.DaemonLog);
        using (var result = JsonDocument.Parse(add.Stdout))
        {
            var ip = result.RootElement.GetProperty("ips")[0];
            ip.GetProperty("address").GetString().Should().Be(claim.Address);
            ip.GetProperty("gateway").GetString().Should().Be(claim.Gateway);
            result.RootElement.GetProperty("interfaces")[1].GetProperty("sandbox").GetString().Should().Be(claim.Netns);
        }
        _pool.HostVeths().Should().BeEquivalentTo(vethsBefore, "ADD on a claimed namespace does no kernel work");
        _pool.Node.Plugin("CHECK", "fn1", claim.Netns, stdin: CheckConf(add.Stdout)).ExitCode.Should().Be(0);
        CodeOf(_pool.Node.Plugin("ADD", "fn2", claim.Netns)).Should().Be(102, "the namespace is already attached");

        var del = _pool.Node.Plugin("DEL", "fn1", claim.Netns);

        del.ExitCode.Should().Be(0, del.ToString());
        File.Exists(claim.Netns).Should().BeFalse("DEL on the claimed namespace releases it");
        _pool.WaitFull();
        _pool.Release(claim.Netns); // the platform's own release afterwards is harmless
        _pool.Node.Allocations().Should().HaveCount(Size);
    }

    [Fact]
    public void Cni_add_on_a_free_pooled_namespace_is_refused()
    {
        _pool.WaitFull();
        var free = _pool.Pins().Files.First();

        var add = _pool.Node.Plugin("ADD", "sneaky", free);

        CodeOf(add).Should().Be(4, add.ToString());
        add.Stdout.Should().Contain("claim it first");
        _pool.WaitFull().Claimed.Should().Be(0);
    }

    [Fact]
    public void Sigkill_and_restart_keep_claimed_and_free_namespaces_and_leak_nothing()
    {
        _pool.WaitFull();
        var attached = _pool.Claim();
        var bare = _pool.Claim();
        _pool.Node.Plugin("ADD", "fn1", attached.Netns).ExitCode.Should().Be(0);
        _pool.WaitFull(claimed: 2);
        var before = _pool.Pins().Files;

        _pool.KillDaemon();
        // Debris a crash in the middle of a refill could leave: a pin with no allocation behind it.
        File.WriteAllText(Path.Combine(_pool.PoolFolder, $"{TestNode.NetworkName}-999"), "");
        _pool.StartDaemon();

        var status = _pool.WaitFull(claimed: 2);
        status.Created.Should().Be(0, "everything consistent was adopted, nothing re-created");
        _pool.Pins().Files.Should().Equal(before);
        _pool.PingFrom(bare.Netns, bare.Gateway).Should().BeTrue(_pool.DaemonLog);
        CodeOf(_pool.Node.Plugin("ADD", "fn9", attached.Netns)).Should().Be(102, "the CNI key survived the restart");

        _pool.Node.Plugin("DEL", "fn1", attached.Netns).ExitCode.Should().Be(0);
        _pool.Release(bare.Netns);

        _pool.WaitFull();
        var (files, mounts) = _pool.Pins();
        files.Should().HaveCount(Size);
        mounts.Should().Equal(files);
        _pool.HostVeths().Should().HaveCount(Size);
        _pool.Node.Allocations().Should().HaveCount(Size);
    }

    [Fact]
    public void A_claimed_namespace_whose_interface_was_deleted_is_destroyed_and_replaced()
    {
        _pool.WaitFull();
        var claim = _pool.Claim();

        Shell.Check("nsenter", $"--net={claim.Netns}", "ip", "link", "del", "eth0");

        _pool.WaitFull(claimed: 0); // the housekeeping sweep (every second here) finds it
        // The sweep forgets the entry first (status shows it gone) and removes its pin right after.
        SpinWait.SpinUntil(() => !File.Exists(claim.Netns), TimeSpan.FromSeconds(10));
        File.Exists(claim.Netns).Should().BeFalse();
        _pool.Node.Allocations().Should().HaveCount(Size).And.NotContain(a => a.Address == claim.Address.Split('/')[0] && a.Netns == claim.Netns);
        _pool.Pins().Mounts.Should().HaveCount(Size);
    }

    [Fact]
    public void Status_prints_a_table_and_json()
    {
        _pool.WaitFull();
        _pool.Claim();
        _pool.WaitFull(claimed: 1);

        var table = _pool.Run("status");
        var json = _pool.Run("status", "--json");

        table.ExitCode.Should().Be(0, table.ToString());
        table.Stdout.Should().Contain("POOL FREE").And.Contain("10.126.0.0/24");
        json.ExitCode.Should().Be(0, json.ToString());
        using var doc = JsonDocument.Parse(json.Stdout);
        var network = doc.RootElement[0];
        network.GetProperty("addressesUsed").GetInt64().Should().Be(Size + 1);
        network.GetProperty("namespacePool").GetProperty("claimed").GetInt32().Should().Be(1);
        network.GetProperty("namespacePool").GetProperty("free").GetInt32().Should().Be(Size);
    }

    [Fact]
    public void Claim_and_release_errors_are_clear()
    {
        var unknown = _pool.Run("claim", "--network", "nope");
        var notPooled = _pool.Run("release", "--netns", _pool.Node.ConfigPath);

        unknown.ExitCode.Should().Be(1);
        unknown.Stderr.Should().Contain("network \"nope\" is not configured");
        notPooled.ExitCode.Should().Be(1);
        notPooled.Stderr.Should().Contain("is not a pooled namespace");
        Shell.Run(_pool.Ctl, ["--socket", "/nonexistent/x.sock", "status"]).ExitCode.Should().Be(2);
    }

    [Fact]
    public void Claim_latency_over_fifty_claims()
    {
        const int Claims = 50;
        var pool = _pool;
        pool.WaitFull();
        var wall = new List<double>();
        var daemon = new List<double>();
        for (int i = 0; i < Claims; i++)
        {
            long started = Stopwatch.GetTimestamp();
            var claim = pool.Claim();
            wall.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            pool.Release(claim.Netns);
            pool.WaitFull();
            started = Stopwatch.GetTimestamp();
            var direct = pool.Ask(new DaemonRequest { Verb = Verbs.Claim, Network = TestNode.NetworkName });
            daemon.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            direct.Code.Should().Be(0, direct.Message);
            pool.Release(direct.Claim!.Netns);
            pool.WaitFull();
        }
        wall.Sort();
        daemon.Sort();
        output.WriteLine($"claim over {Claims}: particlectl wall median {wall[Claims / 2]:F2} ms (p90 {wall[Claims * 9 / 10]:F2}); " +
            $"socket round trip median {daemon[Claims / 2]:F3} ms (p90 {daemon[Claims * 9 / 10]:F3})");
        wall[Claims / 2].Should().BeLessThan(1000, "a claim is a lookup and one small durable file, never namespace creation");
    }

    /// <summary>The CNI error code the plugin printed (its exit status is 1 for every error).</summary>
    private static int CodeOf(ProcessResult result)
    {
        result.ExitCode.Should().NotBe(0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("code").GetInt32();
    }

    private static List<string> AddressesIn(string netns)
    {
        using var doc = JsonDocument.Parse(Shell.Check("nsenter", $"--net={netns}", "ip", "-4", "-j", "addr", "show", "dev", "eth0"));
        return doc.RootElement.EnumerateArray().SelectMany(l => l.GetProperty("addr_info").EnumerateArray())
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").ToList();
    }

    private string CheckConf(string prevResult)
    {
        var conf = _pool.Node.NetConf("1.0.0").Trim();
        return conf[..^1] + ",\"prevResult\":" + prevResult.Trim() + "}";
    }
}
