using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>One node of a <see cref="SimCluster"/>: a namespace on the underlay with particled inside it.</summary>
public sealed class SimNode : IDisposable
{
    private readonly SimCluster _cluster;
    private readonly List<string> _pods = [];
    private readonly StringBuilder _daemonLog = new();
    private DaemonProcess? _daemon;

    public SimNode(SimCluster cluster, int number)
    {
        _cluster = cluster;
        Number = number;
        Dir = Path.Combine(cluster.Dir, Name);
        Directory.CreateDirectory(Dir);
        Shell.Check("ip", "netns", "add", Namespace);
        Shell.Check("ip", "-n", Namespace, "link", "set", "lo", "up");
        cluster.Plug(Namespace, $"n{number}", "ul0", Underlay);
    }

    public int Number { get; }
    public string Name => $"n{Number}";
    public string Namespace => $"pov-{_cluster.Id}-{Name}";
    public string Underlay => $"198.18.0.{Number}";
    public string Dir { get; }
    public string StateDir => Path.Combine(Dir, "state");
    public string SocketPath => Path.Combine(Dir, "particled.sock");
    public string ConfigPath => Path.Combine(Dir, "node.json");
    public string DaemonLog { get { lock (_daemonLog) return _daemonLog.ToString(); } }
    public bool Running => _daemon is { HasExited: false };

    public string Config()
    {
        var networks = _cluster.Tenants.Select(t => $$"""
                { "name": "{{t.Name}}", "clusterCidr": "{{t.Cidr}}", "nodeSubnetLength": 24, "gatewayInterface": "{{t.GatewayDevice}}",
                  "vxlan": { "vni": {{t.Vni}} }{{Pool()}} }
            """);
        return $$"""
            {
              "stateDir": "{{StateDir}}",
              "socketPath": "{{SocketPath}}",
              "pendingDeleteScanSeconds": 1,
              "cluster": { "nodeName": "{{Name}}", "underlayAddress": "{{Underlay}}", {{_cluster.Membership.ClusterSection(this)}} },
              "networks": [
            {{string.Join(",\n", networks)}}
              ]
            }
            """;
    }

    public string PoolFolder => Path.Combine(Dir, "netns");

    public string Ctl => Path.Combine(Path.GetDirectoryName(Binaries.Daemon)!, "particlectl");

    private string Pool() => _cluster.PoolSize == 0 ? ""
        : $", \"namespacePool\": {{ \"size\": {_cluster.PoolSize}, \"folder\": \"{PoolFolder}\" }}";

    /// <summary>A pre-wired namespace of the tenant, claimed through particlectl once the pool has one (at most 10 s).</summary>
    public (string Netns, string Address) Claim(Tenant tenant)
    {
        ProcessResult? result = null;
        Wait.Until(() => (result = Shell.Run(Ctl, ["--socket", SocketPath, "claim", "--network", tenant.Name])).ExitCode == 0,
            $"{Name}: a pooled namespace of {tenant.Name} can be claimed", DaemonLog);
        using var document = JsonDocument.Parse(result!.Stdout);
        return (document.RootElement.GetProperty("netns").GetString()!, document.RootElement.GetProperty("address").GetString()!.Split('/')[0]);
    }

    /// <summary>Remote nodes per tenant as `particlectl status --json` reports them (null: no overlay figure).</summary>
    public Dictionary<string, int?> RemoteNodesByTenant()
    {
        var result = Shell.Run(Ctl, ["--socket", SocketPath, "status", "--json"]);
        result.ExitCode.Should().Be(0, result.Stderr);
        using var document = JsonDocument.Parse(result.Stdout);
        return document.RootElement.EnumerateArray().ToDictionary(
            n => n.GetProperty("name").GetString()!,
            n => n.TryGetProperty("remoteNodes", out var remote) && remote.ValueKind == JsonValueKind.Number ? remote.GetInt32() : (int?)null);
    }

    public void StartDaemon()
    {
        File.WriteAllText(ConfigPath, Config());
        _daemon = DaemonProcess.Start(Name, Namespace, ConfigPath, SocketPath, _daemonLog);
    }

    /// <summary>SIGKILL, as in a crash.</summary>
    public void KillDaemon()
    {
        _daemon?.Kill();
        _daemon = null;
    }

    /// <summary>SIGTERM: an orderly stop (a lease store releases the node's leases).</summary>
    public void StopDaemon()
    {
        var daemon = _daemon;
        _daemon = null;
        daemon?.Stop(TimeSpan.FromSeconds(10));
    }

    /// <summary>The node's subnet in a tenant, as the daemon recorded its lease.</summary>
    public string SubnetIn(Tenant tenant) => File.ReadAllText(Path.Combine(StateDir, $"subnet.{tenant.Name}")).Trim();

    public string NetConf(Tenant tenant) => $$"""
        {"cniVersion":"1.1.0","name":"{{tenant.Name}}","type":"particle","socket":"{{SocketPath}}","stateDir":"{{StateDir}}"}
        """;

    /// <summary>A pod namespace attached to the tenant through the real plugin's ADD.</summary>
    public Pod AddPod(Tenant tenant, string suffix, out JsonElement result)
    {
        string name = $"{Namespace}-{suffix}";
        Shell.Check("ip", "netns", "add", name);
        lock (_pods)
            _pods.Add(name);
        string netns = $"/run/netns/{name}";
        var add = Plugin(tenant, "ADD", $"c-{suffix}", netns);
        if (add.ExitCode != 0)
            throw new InvalidOperationException($"{Name}: ADD {suffix} failed: {add}\n{DaemonLog}");
        using var document = JsonDocument.Parse(add.Stdout);
        result = document.RootElement.Clone();
        string address = result.GetProperty("ips")[0].GetProperty("address").GetString()!.Split('/')[0];
        return new Pod(this, tenant, netns, address, name);
    }

    public ProcessResult Plugin(Tenant tenant, string command, string containerId, string netns) =>
        Shell.Run(Binaries.Plugin, [], NetConf(tenant), new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = Path.GetDirectoryName(Binaries.Plugin)!,
        });

    /// <summary>Whether this node routes, resolves and forwards to <paramref name="subnet"/> through the tenant's VXLAN device.</summary>
    public bool HasPeer(Tenant tenant, string subnet)
    {
        string hop = subnet.Split('/')[0];
        return Lines("ip", "-n", Namespace, "route", "show", "proto", "112")
                .Any(l => l.StartsWith($"{subnet} via {hop} dev {tenant.Device}", StringComparison.Ordinal))
            && Lines("ip", "-n", Namespace, "neigh", "show", "dev", tenant.Device, "nud", "permanent")
                .Any(l => l.StartsWith($"{hop} lladdr ", StringComparison.Ordinal));
    }

    /// <summary>Whether no route, neighbour or FDB entry for the subnet (or the node's VTEP) is left.</summary>
    public bool HasNoTraceOf(Tenant tenant, string subnet, string underlay)
    {
        string hop = subnet.Split('/')[0];
        return !Lines("ip", "-n", Namespace, "route", "show", "table", "all").Any(l => l.StartsWith(subnet + " ", StringComparison.Ordinal))
            && !Lines("ip", "-n", Namespace, "neigh", "show", "dev", tenant.Device).Any(l => l.StartsWith(hop + " ", StringComparison.Ordinal))
            && !Lines("bridge", "-n", Namespace, "fdb", "show", "dev", tenant.Device).Any(l => l.Contains($"dst {underlay} ", StringComparison.Ordinal));
    }

    /// <summary>Everything the overlay put in the kernel, one sorted line per object, to compare before and after.</summary>
    public List<string> OverlayState()
    {
        var lines = new List<string>();
        lines.AddRange(Lines("ip", "-n", Namespace, "rule", "show").Where(l => l.Contains("proto 112", StringComparison.Ordinal)).Select(l => "rule " + l));
        lines.AddRange(Lines("ip", "-n", Namespace, "route", "show", "table", "all", "proto", "112").Select(l => "route " + l));
        foreach (var tenant in _cluster.Tenants)
        {
            lines.AddRange(Lines("ip", "-n", Namespace, "neigh", "show", "dev", tenant.Device, "nud", "permanent").Select(l => $"neigh {tenant.Device} {l}"));
            lines.AddRange(Lines("bridge", "-n", Namespace, "fdb", "show", "dev", tenant.Device).Select(l => "fdb " + l));
            lines.AddRange(Lines("ip", "-n", Namespace, "-4", "addr", "show", "dev", tenant.Device).Where(l => l.Contains("inet ", StringComparison.Ordinal)).Select(l => $"addr {tenant.Device} {l.Trim()}"));
        }
        lines.AddRange(Lines("ip", "-n", Namespace, "-o", "link", "show", "type", "vxlan").Select(l => "link " + string.Join(' ', l.Split(' ').Skip(1))));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    public static List<string> Lines(string program, params string[] args) =>
        Shell.Check(program, args).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    public void Dispose()
    {
        KillDaemon();
        List<string> pods;
        lock (_pods)
            pods = [.. _pods];
        foreach (var pod in pods)
            Shell.Run("ip", ["netns", "del", pod]);
        // Pooled namespaces are bind mounts that deliberately outlive the daemon.
        if (Directory.Exists(PoolFolder))
        {
            foreach (var pin in Directory.GetFiles(PoolFolder))
            {
                Shell.Run("umount", ["-l", pin]);
                File.Delete(pin);
            }
        }
        Shell.Run("ip", ["netns", "del", Namespace]);
    }
}
