using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// particle as the system under test: particled started inside the World's node namespace (as
/// <see cref="TestNode"/> does, through <see cref="DaemonProcess"/>), configured for the routed data
/// plane with egress masquerade, and the published plugin called as a runtime calls it.
/// </summary>
public sealed class ParticleAttacher : IPodAttacher
{
    public const string NetworkName = "e2e";

    private readonly World _world;
    private readonly StringBuilder _log = new();
    private readonly DaemonProcess _daemon;

    /// <summary>The network of the node config: the routed design's keys (issue 11), no bridge.</summary>
    public static string RoutedNetwork(string subnet) => $$"""
        {
          "name": "{{NetworkName}}", "subnet": "{{subnet}}", "gatewayInterface": "pte0", "mtu": 1400,
          "ipMasq": true, "nonMasqueradeCidrs": []
        }
        """;

    /// <param name="network">The node config's network object; null is <see cref="RoutedNetwork"/>. Its name must be "e2e".</param>
    public ParticleAttacher(World world, string subnet = "10.123.0.0/24", string? network = null)
    {
        _world = world;
        ClusterCidr = subnet;
        File.WriteAllText(ConfigPath, $$"""
            {
              "stateDir": "{{StateDir}}",
              "socketPath": "{{SocketPath}}",
              "pendingDeleteScanSeconds": 1,
              "networks": [ {{network ?? RoutedNetwork(subnet)}} ]
            }
            """);
        _daemon = DaemonProcess.Start("node " + world.Node, world.Node, ConfigPath, SocketPath, _log);
    }

    public string Name => "particle";

    public string ClusterCidr { get; }

    public string StateDir => Path.Combine(_world.Dir, "state");
    public string SocketPath => Path.Combine(_world.Dir, "particled.sock");
    public string ConfigPath => Path.Combine(_world.Dir, "node.json");

    public string DaemonLog
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public IPAddress Attach(string pod, string netnsPath)
    {
        var result = JsonNode.Parse(Invoke("ADD", pod, netnsPath))!;
        var address = result["ips"]![0]!["address"]!.GetValue<string>();
        return IPAddress.Parse(address[..address.IndexOf('/')]);
    }

    public void Detach(string pod, string netnsPath) => Invoke("DEL", pod, netnsPath);

    public void Dispose() => _daemon.Kill();

    private string Invoke(string command, string pod, string netnsPath)
    {
        var netconf = $$"""
            {"cniVersion":"1.0.0","name":"{{NetworkName}}","type":"particle","socket":"{{SocketPath}}","stateDir":"{{StateDir}}"}
            """;
        var result = Shell.Run(Binaries.Plugin, [], netconf, new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = $"{_world.Prefix}-{pod}",
            ["CNI_NETNS"] = netnsPath,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = Path.GetDirectoryName(Binaries.Plugin)!,
        }, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"particle {command} of {pod} failed: {result}\nparticled:\n{DaemonLog}");
        return result.Stdout;
    }
}
