using System.Net;
using System.Text;
using Particle.EndToEnd.Tests.Harness;
using Particle.EndToEnd.Tests.Overlay;

namespace Particle.EndToEnd.Tests.DataPlane;

/// <summary>
/// Two networks on one node (a node namespace with an uplink to a "world"): each network's pods reach
/// their own network, the world (masqueraded to the node's address) and the node services their network
/// allows, and never the other network's pods or gateway, in either direction, with ping, TCP and UDP;
/// also after a DEL and an ADD that reuses the address.
/// </summary>
public sealed class IsolationTests
{
    private const int Port = 7000;
    private const int Dns = 53;

    [Fact]
    public void Networks_are_isolated_from_each_other_and_reach_the_world_and_their_node_services()
    {
        using var world = new World("pis");
        var log = new StringBuilder();
        string state = Path.Combine(world.Dir, "state"), socket = Path.Combine(world.Dir, "particled.sock"), config = Path.Combine(world.Dir, "node.json");
        File.WriteAllText(config, $$"""
            {
              "stateDir": "{{state}}", "socketPath": "{{socket}}", "pendingDeleteScanSeconds": 1,
              "networks": [
                { "name": "a", "subnet": "10.150.0.0/24", "gatewayInterface": "pia0", "nodeServices": ["udp/53", "icmp"] },
                { "name": "b", "subnet": "10.151.0.0/24", "gatewayInterface": "pib0", "rangeStart": "10.151.0.2", "rangeEnd": "10.151.0.2" }
              ]
            }
            """);
        var daemon = DaemonProcess.Start("node " + world.Node, world.Node, config, socket, log);
        try
        {
            Scenario(world, log, socket, state);
        }
        finally
        {
            daemon.Kill();
        }
    }

    private static void Scenario(World world, StringBuilder log, string socket, string state)
    {
        var pods = new Dictionary<string, (string Netns, IPAddress Address)>();
        void Attach(string network, string pod)
        {
            string netns = world.AddPodNamespace(pod);
            pods[pod] = (netns, Add(network, pod, netns, socket, state, world));
        }
        Attach("a", "a1");
        Attach("a", "a2");
        Attach("b", "b1");
        var gatewayA = IPAddress.Parse("10.150.0.1");
        var gatewayB = IPAddress.Parse("10.151.0.1");
        var node = IPAddress.Parse(World.NodeAddress);

        var servers = new List<EchoServer>
        {
            new("node", world.NodeNetns, IPAddress.Any, Port),
            new("node-dns", world.NodeNetns, IPAddress.Any, Dns),
            new("world", world.WorldNetns, IPAddress.Parse(World.WorldAddress), Port),
        };
        try
        {
            foreach (var (name, (netns, _)) in pods)
                servers.Add(new EchoServer(name, netns, IPAddress.Any, Port));

            var checks = new List<Check>();
            void Between(string from, string to, bool expected)
            {
                checks.Add(Check.Ping(pods[from].Netns, pods[to].Address, expected, $"{from} -> {to}"));
                checks.Add(Check.Tcp(pods[from].Netns, pods[to].Address, Port, expected, $"{from} -> {to}"));
                checks.Add(Check.Udp(pods[from].Netns, pods[to].Address, Port, expected, $"{from} -> {to}"));
            }
            Between("a1", "a2", true);
            Between("a2", "a1", true);
            Between("a1", "b1", false);
            Between("b1", "a1", false);
            Between("a2", "b1", false);
            foreach (var (from, other, own) in new[] { ("a1", gatewayB, gatewayA), ("b1", gatewayA, gatewayB) })
            {
                checks.Add(Check.Ping(pods[from].Netns, other, false, $"{from} -> the other network's gateway"));
                checks.Add(Check.Tcp(pods[from].Netns, other, Port, false, $"{from} -> the other network's gateway"));
                checks.Add(Check.Udp(pods[from].Netns, other, Dns, false, $"{from} -> the other network's gateway"));
                checks.Add(Check.Ping(pods[from].Netns, own, true, $"{from} -> its gateway"));
                checks.Add(Check.Udp(pods[from].Netns, own, Dns, true, $"{from} -> DNS on its gateway"));
            }
            // a lists udp/53 and icmp; b reaches every node service.
            checks.Add(Check.Ping(pods["a1"].Netns, node, true, "a1 -> the node's address"));
            checks.Add(Check.Udp(pods["a1"].Netns, node, Dns, true, "a1 -> DNS on the node's address"));
            checks.Add(Check.Tcp(pods["a1"].Netns, node, Port, false, "a1 -> an unlisted node port"));
            checks.Add(Check.Tcp(pods["a1"].Netns, gatewayA, Port, false, "a1 -> an unlisted port on its gateway"));
            checks.Add(Check.Tcp(pods["b1"].Netns, node, Port, true, "b1 -> a node port"));
            checks.Add(Check.Tcp(pods["b1"].Netns, gatewayB, Port, true, "b1 -> a port on its gateway"));
            foreach (var pod in new[] { "a1", "b1" })
            {
                checks.Add(Check.Tcp(pods[pod].Netns, IPAddress.Parse(World.WorldAddress), Port, true, $"{pod} -> the world", $"saw {World.NodeAddress}"));
                checks.Add(Check.Udp(pods[pod].Netns, IPAddress.Parse(World.WorldAddress), Port, true, $"{pod} -> the world", $"saw {World.NodeAddress}"));
            }
            Run(checks, world, log);

            // b1 leaves, and a new pod of b gets its address (b's range holds just that one): it is judged by its
            // network like the one before.
            var old = pods["b1"];
            servers.Single(s => s.Name == "b1").Dispose();
            Del("b", "b1", old.Netns, socket, state, world);
            Attach("b", "b2");
            pods["b2"].Address.Should().Be(old.Address, "the freed address is handed out again");
            servers.Add(new EchoServer("b2", pods["b2"].Netns, IPAddress.Any, Port));
            checks.Clear();
            Between("a1", "b2", false);
            Between("b2", "a1", false);
            checks.Add(Check.Tcp(pods["b2"].Netns, IPAddress.Parse(World.WorldAddress), Port, true, "b2 -> the world", $"saw {World.NodeAddress}"));
            Run(checks, world, log);
        }
        finally
        {
            foreach (var server in servers)
                server.Dispose();
        }
    }

    private static void Run(List<Check> checks, World world, StringBuilder log)
    {
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(checks, new ParallelOptions { MaxDegreeOfParallelism = 12 }, check =>
        {
            if (check.Verdict() is { } problem)
                wrong.Add(problem);
        });
        wrong.Should().BeEmpty($"firewall:\n{world.OnNode("nft", "list", "table", "inet", "particle")}\nparticled:\n{log}");
    }

    private static IPAddress Add(string network, string pod, string netns, string socket, string state, World world)
    {
        var result = Plugin("ADD", network, pod, netns, socket, state, world);
        var address = System.Text.Json.Nodes.JsonNode.Parse(result)!["ips"]![0]!["address"]!.GetValue<string>();
        return IPAddress.Parse(address[..address.IndexOf('/')]);
    }

    private static void Del(string network, string pod, string netns, string socket, string state, World world) =>
        Plugin("DEL", network, pod, netns, socket, state, world);

    private static string Plugin(string command, string network, string pod, string netns, string socket, string state, World world)
    {
        var run = Shell.Run(Binaries.Plugin, [], $$"""{"cniVersion":"1.0.0","name":"{{network}}","type":"particle","socket":"{{socket}}","stateDir":"{{state}}"}""",
            new Dictionary<string, string>
            {
                ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = $"{world.Prefix}-{pod}", ["CNI_NETNS"] = netns, ["CNI_IFNAME"] = "eth0",
                ["CNI_PATH"] = Path.GetDirectoryName(Binaries.Plugin)!,
            }, TimeSpan.FromSeconds(30));
        run.ExitCode.Should().Be(0, run.ToString());
        return run.Stdout;
    }

    /// <summary>One reachability expectation; <see cref="Verdict"/> is null when it holds.</summary>
    private sealed record Check(string What, bool Expected, Func<(bool Reached, string Detail)> Probe)
    {
        public string? Verdict()
        {
            var (reached, detail) = Probe();
            return reached == Expected ? null : $"{What}: {(reached ? "reached" : "not reached")}, expected {(Expected ? "reached" : "refused")} ({detail})";
        }

        public static Check Ping(string from, IPAddress to, bool expected, string what) =>
            new($"{what} ping {to}", expected, () => (Traffic.Ping(from, to.ToString()), "ping"));

        public static Check Tcp(string from, IPAddress to, int port, bool expected, string what, string? answerContains = null) =>
            new($"{what} tcp {to}:{port}", expected, () => Answer(Traffic.Tcp(from, to, port), answerContains));

        public static Check Udp(string from, IPAddress to, int port, bool expected, string what, string? answerContains = null) =>
            new($"{what} udp {to}:{port}", expected, () => Answer(Traffic.Udp(from, to, port), answerContains));

        private static (bool, string) Answer(TrafficResult result, string? contains) =>
            (result.Answer is { } answer && (contains is null || answer.Contains(contains, StringComparison.Ordinal)), result.ToString());
    }
}
