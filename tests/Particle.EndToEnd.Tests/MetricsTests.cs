using System.Diagnostics;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// Issue 7: particled's /metrics, /healthz and /readyz, scraped from inside the node namespace the test
/// creates (the daemon runs there, listening on 127.0.0.1:9651 of that namespace by default), and
/// particlectl status and events against the same daemon.
/// </summary>
public sealed class MetricsTests : IDisposable
{
    private const string Gateway = "pmx0";
    private readonly TestNode _node = new(subnet: "10.131.0.0/22", start: false, namePrefix: "pmx");

    public void Dispose() => _node.Dispose();

    private string Ctl => Path.Combine(Path.GetDirectoryName(Binaries.Daemon)!, "particlectl");

    private ProcessResult RunCtl(params string[] args) => Shell.Run(Ctl, ["--socket", _node.SocketPath, .. args]);

    private void Start(string metrics = "", int scanSeconds = 1)
    {
        WriteConfig(_node.ConfigPath, _node.StateDir, _node.SocketPath, "10.131.0.0/22", Gateway, metrics, scanSeconds);
        _node.StartDaemon();
    }

    private static void WriteConfig(string path, string stateDir, string socket, string subnet, string gateway, string metrics, int scanSeconds) =>
        File.WriteAllText(path, $$"""
            {
              "stateDir": "{{stateDir}}",
              "socketPath": "{{socket}}",
              "pendingDeleteScanSeconds": {{scanSeconds}},
              {{(metrics.Length > 0 ? $"\"metrics\": {metrics}," : "")}}
              "networks": [ { "name": "{{TestNode.NetworkName}}", "subnet": "{{subnet}}", "gatewayInterface": "{{gateway}}", "mtu": 1400 } ]
            }
            """);

    [Fact]
    public void A_burst_of_adds_and_dels_moves_the_counters_and_histograms_by_exactly_the_operations_performed()
    {
        Start();
        const int Pods = 30;
        var netns = Enumerable.Range(0, Pods).Select(i => _node.AddPod($"p{i}")).ToArray();
        var before = Prometheus.Scrape(_node.Namespace);

        var adds = new ProcessResult[Pods];
        Parallel.For(0, Pods, new ParallelOptions { MaxDegreeOfParallelism = 10 }, i => adds[i] = _node.Plugin("ADD", $"c{i}", netns[i]));
        adds.Should().AllSatisfy(r => r.ExitCode.Should().Be(0, r.ToString()));
        var again = _node.Plugin("ADD", "c0", netns[0]);
        LifecycleTests.Code(again).Should().Be(102);
        var afterAdds = Prometheus.Scrape(_node.Namespace);

        Parallel.For(0, Pods, new ParallelOptions { MaxDegreeOfParallelism = 10 },
            i => _node.Plugin("DEL", $"c{i}", netns[i]).ExitCode.Should().Be(0));
        var afterDels = Prometheus.Scrape(_node.Namespace);

        Delta(before, afterAdds, "particle_requests_total", ("verb", "ADD"), ("code", "0")).Should().Be(Pods);
        Delta(before, afterAdds, "particle_requests_total", ("verb", "ADD"), ("code", "102")).Should().Be(1);
        Delta(before, afterAdds, "particle_request_duration_seconds_count", ("verb", "ADD")).Should().Be(Pods + 1);
        Delta(before, afterAdds, "particle_request_duration_seconds_bucket", ("verb", "ADD"), ("le", "+Inf")).Should().Be(Pods + 1);
        Delta(before, afterAdds, "particle_requests_total", ("verb", "DEL"), ("code", "0")).Should().Be(0);
        afterAdds.Value("particle_request_duration_seconds_sum", ("verb", "ADD")).Should().BeGreaterThan(0);
        Delta(before, afterAdds, "particle_addresses", ("network", TestNode.NetworkName), ("state", "allocated")).Should().Be(Pods);
        Delta(before, afterAdds, "particle_addresses", ("network", TestNode.NetworkName), ("state", "free")).Should().Be(-Pods);

        Delta(afterAdds, afterDels, "particle_requests_total", ("verb", "DEL"), ("code", "0")).Should().Be(Pods);
        Delta(afterAdds, afterDels, "particle_request_duration_seconds_count", ("verb", "DEL")).Should().Be(Pods);
        Delta(afterAdds, afterDels, "particle_requests_total", ("verb", "ADD"), ("code", "0")).Should().Be(0);
        afterDels.Value("particle_addresses", ("network", TestNode.NetworkName), ("state", "allocated")).Should().Be(0);

        afterDels.Value("particle_process_open_fds").Should().BeGreaterThan(3);
        afterDels.Value("particle_process_resident_memory_bytes").Should().BeGreaterThan(1 << 20);
        afterDels.Keys.Should().Contain(k => k.StartsWith("particle_dotnet_gc_collections_total{generation=", StringComparison.Ordinal));

        // Every ADD and DEL is an event; the refused ADD is an error event.
        var events = Events();
        events.Count(e => e.GetProperty("message").GetString()!.StartsWith("ADD ok", StringComparison.Ordinal)).Should().Be(Pods);
        events.Count(e => e.GetProperty("message").GetString()!.StartsWith("DEL ok", StringComparison.Ordinal)).Should().Be(Pods);
        events.Should().ContainSingle(e => e.GetProperty("error").GetBoolean() && e.GetProperty("subject").GetString() == "c0/eth0");
    }

    [Fact]
    public void An_unreadable_request_is_counted_with_its_code()
    {
        Start();
        var before = Prometheus.Scrape(_node.Namespace);

        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(_node.SocketPath));
            Particle.Protocol.Frames.Write(socket, "{not json"u8);
            var reply = JsonDocument.Parse(Particle.Protocol.Frames.Read(socket)!);
            reply.RootElement.GetProperty("code").GetInt32().Should().Be(6);
        }

        var after = Prometheus.Scrape(_node.Namespace);
        Delta(before, after, "particle_requests_total", ("verb", "OTHER"), ("code", "6")).Should().Be(1);
        Delta(before, after, "particle_request_duration_seconds_count", ("verb", "OTHER")).Should().Be(0, "only served requests are timed");
    }

    [Fact]
    public void Readyz_fails_while_the_gateway_device_is_missing_and_recovers_when_housekeeping_recreates_it()
    {
        Start(scanSeconds: 3);
        var pod = _node.AddPod("p0");
        var add = _node.Plugin("ADD", "c0", pod);
        add.ExitCode.Should().Be(0, add.ToString());
        string address = _node.Allocations().Single().Address;
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/healthz").Should().Be(new HttpAnswer(200, "ok\n"));
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/readyz").Should().Be(new HttpAnswer(200, "ok\n"));

        // Housekeeping runs every 3 s and may repair the gateway device before the probe: then delete it again.
        HttpAnswer? notReady = null;
        for (int attempt = 0; attempt < 3 && notReady is null; attempt++)
        {
            WaitUntil(() => _node.Links().Contains(Gateway), "the gateway device is back before it is deleted again");
            Shell.Check("ip", "-n", _node.Namespace, "link", "del", Gateway);
            var probe = Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/readyz");
            if (probe.Status == 503)
                notReady = probe;
        }
        notReady.Should().NotBeNull("three probes right after deleting the gateway device all came after its repair");
        notReady!.Body.Should().Be($"not ready: network \"{TestNode.NetworkName}\": gateway device {Gateway} does not exist\n");
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/healthz").Status.Should().Be(200, "the process is alive all the same");

        WaitUntil(() => Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/readyz").Status == 200, "/readyz recovers once housekeeping re-created the gateway device");
        _node.Links().Should().Contain(Gateway);
        _node.Allocations().Should().ContainSingle(a => a.Address == address, "the pod keeps its address across the repair");
        // The pod's host route takes its source from the gateway address, so the kernel dropped it with the
        // device; the same housekeeping round that re-created the device routes the pod again.
        WaitUntil(() => _node.PingFromNode(address), "the pod is routed again");
        Events().Should().Contain(e => e.GetProperty("kind").GetString() == "network" && e.GetProperty("error").GetBoolean()
            && e.GetProperty("message").GetString() == $"gateway device {Gateway} does not exist; repaired");
        RunCtl("status").Stdout.Should().Contain("ready");
    }

    [Fact]
    public void A_gateway_device_that_cannot_be_repaired_keeps_readyz_failing_with_the_reason_until_it_can()
    {
        Start();
        var pod = _node.AddPod("p0");
        _node.Plugin("ADD", "c0", pod).ExitCode.Should().Be(0);
        string[] takeName = ["ip", "-n", _node.Namespace, "link", "add", Gateway, "type", "veth", "peer", "name", "pmx0peer"];

        // Someone else's device under the gateway device's name: housekeeping must not adopt it, and must go on.
        Shell.Check("ip", "-n", _node.Namespace, "link", "del", Gateway);
        var taken = Shell.Run(takeName[0], takeName[1..]);
        if (taken.ExitCode != 0)
        {
            taken.Stderr.Should().Contain("File exists", "housekeeping re-created the gateway device in between: then try once more");
            Shell.Check("ip", "-n", _node.Namespace, "link", "del", Gateway);
            Shell.Check(takeName[0], takeName[1..]);
        }
        Shell.Check("ip", "-n", _node.Namespace, "link", "set", Gateway, "up");
        WaitUntil(() => Events().Any(e => e.GetProperty("message").GetString()!.Contains("repair failed")), "a failed repair is an event");
        var answer = Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/readyz");
        answer.Should().Be(new HttpAnswer(503, $"not ready: network \"{TestNode.NetworkName}\": interface {Gateway} is a veth, not the gateway's port-less bridge\n"));
        RunCtl("status").Stdout.Should().Contain("NOT READY").And.Contain("is a veth, not the gateway's port-less bridge");

        Shell.Check("ip", "-n", _node.Namespace, "link", "del", Gateway);
        WaitUntil(() => Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/readyz").Status == 200, "ready again once the name is free and the gateway device re-created");
        _node.PingFromNode(_node.Allocations().Single().Address).Should().BeTrue();
    }

    [Fact]
    public void Particlectl_status_json_matches_the_daemons_allocations()
    {
        Start();
        var netns = Enumerable.Range(0, 5).Select(i => _node.AddPod($"p{i}")).ToArray();
        for (int i = 0; i < netns.Length; i++)
            _node.Plugin("ADD", $"c{i}", netns[i]).ExitCode.Should().Be(0);

        var status = RunCtl("status", "--json");
        status.ExitCode.Should().Be(0, status.ToString());
        using var doc = JsonDocument.Parse(status.Stdout);
        var network = doc.RootElement.EnumerateArray().Single();
        var allocations = _node.Allocations();
        network.GetProperty("name").GetString().Should().Be(TestNode.NetworkName);
        network.GetProperty("subnet").GetString().Should().Be("10.131.0.0/22");
        network.GetProperty("addressesUsed").GetInt64().Should().Be(allocations.Count).And.Be(5);
        network.GetProperty("addressesTotal").GetInt64().Should().Be(1021, "a /22 less network, gateway and broadcast");
        network.TryGetProperty("problem", out _).Should().BeFalse("the gateway device is in place");
        var scraped = Prometheus.Scrape(_node.Namespace);
        scraped.Value("particle_addresses", ("network", TestNode.NetworkName), ("state", "allocated")).Should().Be(allocations.Count);

        var table = RunCtl("status");
        table.Stdout.Split('\n')[1].Should().MatchRegex(@"^e2e\s+10\.131\.0\.0/22\s+pmx0\s+5\s+1016\s+-\s+-\s+-\s+-\s+-\s+ready\s+-$");

        var watch = RunCtl("status", "--watch", "--json", "--interval", "0.2", "--count", "3");
        watch.ExitCode.Should().Be(0, watch.ToString());
        var lines = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines.Should().AllSatisfy(l => JsonDocument.Parse(l).RootElement[0].GetProperty("addressesUsed").GetInt64().Should().Be(5));
        RunCtl("status", "--watch", "--interval", "0").ExitCode.Should().Be(3, "an interval out of range is refused");
    }

    [Theory]
    [InlineData("localhost:9651")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1")]
    [InlineData("10.0.0:9651")]
    [InlineData("::1:9651")]
    public void An_invalid_metrics_address_is_a_clear_start_up_error(string address)
    {
        WriteConfig(_node.ConfigPath, _node.StateDir, _node.SocketPath, "10.131.0.0/22", Gateway, $$"""{ "address": "{{address}}" }""", 1);

        var run = Shell.Run("nsenter", [$"--net=/run/netns/{_node.Namespace}", Binaries.Daemon, "--config", _node.ConfigPath], timeout: TimeSpan.FromSeconds(20));

        run.ExitCode.Should().Be(2, run.ToString());
        (run.Stdout + run.Stderr).Should().Contain($"metrics.address \"{address}\" is not an address and port such as 127.0.0.1:9651");
        File.Exists(_node.SocketPath).Should().BeFalse();
    }

    [Fact]
    public void A_metrics_port_already_taken_is_a_clear_start_up_error()
    {
        Start();
        // A second daemon in the same node namespace, with a network of its own, asks for the same port.
        string dir = Path.Combine(_node.Dir, "second");
        Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "node.json");
        WriteConfig(config, Path.Combine(dir, "state"), Path.Combine(dir, "s.sock"), "10.132.0.0/24", "pmx1", "", 1);

        var run = Shell.Run("nsenter", [$"--net=/run/netns/{_node.Namespace}", Binaries.Daemon, "--config", config], timeout: TimeSpan.FromSeconds(20));

        run.ExitCode.Should().Be(2, run.ToString());
        (run.Stdout + run.Stderr).Should().Contain("cannot serve metrics on 127.0.0.1:9651");
        _node.Links().Should().NotContain("pmx1", "it stops before recovery touches the kernel");
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/healthz").Status.Should().Be(200, "the first daemon still serves");
    }

    [Fact]
    public void Metrics_can_be_turned_off_and_served_on_every_address()
    {
        Start(metrics: """{ "enabled": false }""");
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9651/healthz").Status.Should().Be(0, "nothing listens (curl's 000)");
        var pod = _node.AddPod("p0");
        _node.Plugin("ADD", "c0", pod).ExitCode.Should().Be(0);
        Events().Should().Contain(e => e.GetProperty("message").GetString()!.StartsWith("ADD ok", StringComparison.Ordinal), "events do not need the listener");
        _node.StopDaemon().Should().Be(0);

        Start(metrics: """{ "address": "0.0.0.0:9652" }""");
        // A Kubernetes probe names the pod's address in its Host header; a wildcard listener answers any.
        Prometheus.Get(_node.Namespace, "http://127.0.0.1:9652/readyz", host: "10.1.2.3:9652").Should().Be(new HttpAnswer(200, "ok\n"));
        Prometheus.Scrape(_node.Namespace, "127.0.0.1:9652").Value("particle_addresses", ("network", TestNode.NetworkName), ("state", "allocated")).Should().Be(1);
    }

    [Fact]
    public void Events_follow_returns_only_new_events()
    {
        Start();
        var pod = _node.AddPod("p0");
        _node.Plugin("ADD", "c0", pod).ExitCode.Should().Be(0);
        var first = Events();
        long last = first[^1].GetProperty("sequence").GetInt64();
        _node.Plugin("DEL", "c0", pod).ExitCode.Should().Be(0);

        var newer = RunCtl("events", "--json", "--since", last.ToString());
        var lines = newer.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle().Which.Should().Contain("\"DEL ok");
        var follow = RunCtl("events", "--follow", "--interval", "0.2", "--count", "3");
        follow.ExitCode.Should().Be(0, follow.ToString());
        follow.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(2, "each event once, however many polls")
            .And.Contain(l => l.Contains("attachment  e2e  c0/eth0  ADD ok"));
    }

    [Fact]
    public async Task Status_watch_and_events_follow_stop_on_ctrl_c()
    {
        Start();
        foreach (var args in new[] { new[] { "status", "--watch", "--interval", "0.2" }, new[] { "events", "--follow", "--interval", "0.2" } })
        {
            var info = new ProcessStartInfo(Ctl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--socket", _node.SocketPath }.Concat(args))
                info.ArgumentList.Add(arg);
            using var watch = Process.Start(info)!;
            var stdout = watch.StandardOutput.ReadToEndAsync();
            try
            {
                Thread.Sleep(700);
                watch.HasExited.Should().BeFalse($"{string.Join(' ', args)} keeps refreshing until interrupted");
                Shell.Check("kill", "-INT", watch.Id.ToString());
                watch.WaitForExit(TimeSpan.FromSeconds(5)).Should().BeTrue($"{string.Join(' ', args)} stops on SIGINT");
                watch.ExitCode.Should().Be(0);
            }
            finally
            {
                if (!watch.HasExited)
                    watch.Kill();
            }
            if (args[0] == "status")
                (await stdout).Split("\u001b[H\u001b[2J").Count(s => s.Contains("particlectl status")).Should().BeGreaterThanOrEqualTo(2);
        }
    }

    private List<JsonElement> Events()
    {
        var result = RunCtl("events", "--json");
        result.ExitCode.Should().Be(0, result.ToString());
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string name, params (string, string)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
                throw new TimeoutException($"not within 15 s: {what}");
            Thread.Sleep(100);
        }
    }
}
