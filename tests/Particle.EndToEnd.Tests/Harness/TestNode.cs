using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// A simulated node: a network namespace of its own with particled running inside it, a private state
/// folder and socket, and the pod namespaces the test asked for. Everything is removed on Dispose, even
/// after a failure; names carry a random prefix so tests can run in parallel.
/// </summary>
public sealed class TestNode : IDisposable
{
    public const string NetworkName = "e2e";

    private readonly List<string> _pods = [];
    private readonly StringBuilder _daemonLog = new();
    private DaemonProcess? _daemon;

    /// <param name="namePrefix">Start of every namespace name, so a test area's leftovers can be told apart.</param>
    public TestNode(string subnet = "10.123.0.0/24", bool start = true, string namePrefix = "pte")
    {
        Prefix = $"{namePrefix}-{Guid.NewGuid().ToString("N")[..8]}";
        Namespace = $"{Prefix}-node";
        Dir = Directory.CreateTempSubdirectory("particle-e2e-").FullName;
        Subnet = subnet;
        try
        {
            Shell.Check("ip", "netns", "add", Namespace);
            Shell.Check("ip", "-n", Namespace, "link", "set", "lo", "up");
            File.WriteAllText(ConfigPath, $$"""
                {
                  "stateDir": "{{StateDir}}",
                  "socketPath": "{{SocketPath}}",
                  "pendingDeleteScanSeconds": 1,
                  "networks": [ { "name": "{{NetworkName}}", "subnet": "{{subnet}}", "gatewayInterface": "pte0", "mtu": 1400 } ]
                }
                """);
            if (start)
                StartDaemon();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }
    public string Namespace { get; }
    public string Dir { get; }
    public string Subnet { get; }
    public string StateDir => Path.Combine(Dir, "state");
    public string SocketPath => Path.Combine(Dir, "particled.sock");
    public string ConfigPath => Path.Combine(Dir, "node.json");
    public string DaemonLog { get { lock (_daemonLog) return _daemonLog.ToString(); } }
    public int DaemonPid => _daemon?.Pid ?? throw new InvalidOperationException("particled is not running");

    public void StartDaemon(string? daemonPath = null) =>
        _daemon = DaemonProcess.Start("node " + Namespace, Namespace, ConfigPath, SocketPath, _daemonLog, daemonPath);

    /// <summary>SIGKILL: no chance to clean up, as in a crash or an OOM kill.</summary>
    public void KillDaemon()
    {
        _daemon?.Kill();
        _daemon = null;
    }

    /// <summary>SIGTERM and wait for an orderly exit.</summary>
    public int StopDaemon()
    {
        var daemon = _daemon ?? throw new InvalidOperationException("particled is not running");
        _daemon = null;
        return daemon.Stop(TimeSpan.FromSeconds(15));
    }

    /// <summary>A fresh pod network namespace; returns its path.</summary>
    public string AddPod(string suffix)
    {
        var name = $"{Prefix}-{suffix}";
        Shell.Check("ip", "netns", "add", name);
        lock (_pods)
            _pods.Add(name);
        return $"/run/netns/{name}";
    }

    public void RemovePod(string path)
    {
        var name = Path.GetFileName(path);
        Shell.Check("ip", "netns", "del", name);
        lock (_pods)
            _pods.Remove(name);
    }

    public string NetConf(string cniVersion) => $$"""
        {"cniVersion":"{{cniVersion}}","name":"{{NetworkName}}","type":"particle","socket":"{{SocketPath}}","stateDir":"{{StateDir}}"}
        """;

    public ProcessResult Plugin(string command, string containerId, string netns, string cniVersion = "1.0.0",
        string ifName = "eth0", string? stdin = null, string? pluginPath = null) =>
        Shell.Run(pluginPath ?? Binaries.Plugin, [], stdin ?? NetConf(cniVersion), new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = containerId,
            ["CNI_NETNS"] = netns,
            ["CNI_IFNAME"] = ifName,
            ["CNI_PATH"] = Path.GetDirectoryName(Binaries.Plugin)!,
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=test",
        });

    /// <summary>The daemon's allocations, asked over its socket.</summary>
    public List<AllocationInfo> Allocations()
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        Frames.Write(socket, JsonSerializer.SerializeToUtf8Bytes(
            new DaemonRequest { Verb = Verbs.List, Network = NetworkName }, ProtocolJsonContext.Default.DaemonRequest));
        var reply = Frames.Read(socket) ?? throw new InvalidOperationException("particled closed the socket without answering");
        return JsonSerializer.Deserialize(reply, ProtocolJsonContext.Default.DaemonResponse)!.Allocations ?? [];
    }

    /// <summary>One request to the daemon over its socket, as the plugin or particlectl would send it.</summary>
    public DaemonResponse Ask(DaemonRequest request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(SocketPath));
        Frames.Write(socket, JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest));
        var reply = Frames.Read(socket) ?? throw new InvalidOperationException("particled closed the socket without answering");
        return JsonSerializer.Deserialize(reply, ProtocolJsonContext.Default.DaemonResponse)!;
    }

    /// <summary>Names of the links in a namespace (the node's when null).</summary>
    public List<string> Links(string? netnsPath = null)
    {
        var ns = netnsPath is null ? Namespace : Path.GetFileName(netnsPath);
        using var doc = JsonDocument.Parse(Shell.Check("ip", "-n", ns, "-j", "link", "show"));
        return doc.RootElement.EnumerateArray().Select(l => l.GetProperty("ifname").GetString()!).ToList();
    }

    /// <summary>The IPv4 addresses of an interface, as "address/prefix".</summary>
    public List<string> Addresses(string netnsPath, string ifName)
    {
        using var doc = JsonDocument.Parse(Shell.Check("ip", "-4", "-n", Path.GetFileName(netnsPath), "-j", "addr", "show", "dev", ifName));
        return doc.RootElement.EnumerateArray()
            .SelectMany(l => l.GetProperty("addr_info").EnumerateArray())
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")
            .ToList();
    }

    public bool PingFromNode(string address) =>
        Shell.Run("ip", ["netns", "exec", Namespace, "ping", "-c", "1", "-W", "2", address]).ExitCode == 0;

    public bool Ping(string fromNetns, string address) =>
        Shell.Run("ip", ["netns", "exec", Path.GetFileName(fromNetns), "ping", "-c", "1", "-W", "2", address]).ExitCode == 0;

    public void Dispose()
    {
        KillDaemon();
        List<string> pods;
        lock (_pods)
            pods = [.. _pods];
        foreach (var pod in pods)
            Shell.Run("ip", ["netns", "del", pod]);
        Shell.Run("ip", ["netns", "del", Namespace]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
