using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// A <see cref="TestNode"/> whose network has a namespace pool in the test's own folder (TestNode runs
/// particled in the host mount namespace, so the pins are visible and survive a restart). Pins
/// deliberately outlive the daemon, so Dispose unmounts and removes every file under the pool folder.
/// </summary>
public sealed class PoolNode : IDisposable
{
    private readonly TestNode _node;

    public PoolNode(int size, string subnet = "10.126.0.0/24", string namePrefix = "pte")
    {
        _node = new TestNode(subnet, start: false, namePrefix);
        Size = size;
        try
        {
            PoolFolder = Path.Combine(_node.Dir, "netns");
            File.WriteAllText(_node.ConfigPath, $$"""
                {
                  "stateDir": "{{_node.StateDir}}",
                  "socketPath": "{{_node.SocketPath}}",
                  "pendingDeleteScanSeconds": 1,
                  "networks": [ { "name": "{{TestNode.NetworkName}}", "subnet": "{{subnet}}", "gatewayInterface": "ptp0", "mtu": 1400,
                                  "namespacePool": { "size": {{size}}, "folder": "{{PoolFolder}}" } } ]
                }
                """);
            StartDaemon();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TestNode Node => _node;
    public int Size { get; }
    public string PoolFolder { get; } = "";
    public string Ctl => Path.Combine(Path.GetDirectoryName(Binaries.Daemon)!, "particlectl");
    public string DaemonLog => _node.DaemonLog;

    public void StartDaemon() => _node.StartDaemon();

    /// <summary>SIGKILL, as in a crash.</summary>
    public void KillDaemon() => _node.KillDaemon();

    public ProcessResult Run(params string[] args) => Shell.Run(Ctl, ["--socket", _node.SocketPath, .. args]);

    public ClaimInfo Claim()
    {
        var result = Run("claim", "--network", TestNode.NetworkName);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"particlectl claim failed: {result}\n{DaemonLog}");
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        return new ClaimInfo
        {
            Network = root.GetProperty("network").GetString()!,
            Netns = root.GetProperty("netns").GetString()!,
            Address = root.GetProperty("address").GetString()!,
            Gateway = root.GetProperty("gateway").GetString()!,
            Interface = root.GetProperty("interface").GetString()!,
            Mac = root.GetProperty("mac").GetString()!,
            HostInterface = root.GetProperty("hostInterface").GetString()!,
        };
    }

    public void Release(string netns)
    {
        var result = Run("release", "--netns", netns);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"particlectl release failed: {result}\n{DaemonLog}");
    }

    public DaemonResponse Ask(DaemonRequest request) =>
        TryAsk(request) ?? throw new InvalidOperationException("particled closed the socket without answering");

    public NamespacePoolStatusInfo PoolStatus() =>
        Ask(new DaemonRequest { Verb = Verbs.NodeStatus }).Networks!.Single().NamespacePool!;

    /// <summary>Waits until the filler has brought the pool back to its size.</summary>
    public NamespacePoolStatusInfo WaitFull(int claimed = 0)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = PoolStatus();
            if (status.Free == Size && status.Filling == 0 && status.Claimed == claimed)
                return status;
            if (deadline.Elapsed > TimeSpan.FromSeconds(20))
                throw new TimeoutException($"pool did not refill: free {status.Free}, claimed {status.Claimed}, last error {status.LastError}\n{DaemonLog}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Pins under the pool folder: files, and mounts seen in this (the host) mount namespace.</summary>
    public (List<string> Files, List<string> Mounts) Pins() => (
        Directory.Exists(PoolFolder) ? Directory.GetFiles(PoolFolder).Order(StringComparer.Ordinal).ToList() : [],
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(p => p.StartsWith(PoolFolder + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList());

    /// <summary>Host veth ends (pc*) on the node.</summary>
    public List<string> HostVeths() => _node.Links().Where(l => l.StartsWith("pc", StringComparison.Ordinal)).ToList();

    public bool PingFrom(string netns, string address) =>
        Shell.Run("nsenter", [$"--net={netns}", "ping", "-c", "1", "-W", "2", address]).ExitCode == 0;

    public void Dispose()
    {
        KillDaemon();
        if (Directory.Exists(PoolFolder))
        {
            foreach (var pin in Directory.GetFiles(PoolFolder))
            {
                Shell.Run("umount", ["-l", pin]);
                File.Delete(pin);
            }
        }
        // Also a pin whose file was removed but stayed mounted (nothing should do that; a test must not leak it).
        foreach (var mount in File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                     .Where(p => PoolFolder.Length > 0 && p.StartsWith(PoolFolder + "/", StringComparison.Ordinal)).ToList())
            Shell.Run("umount", ["-l", mount]);
        _node.Dispose();
    }

    private DaemonResponse? TryAsk(DaemonRequest request)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(_node.SocketPath));
            Frames.Write(socket, JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest));
            var reply = Frames.Read(socket);
            return reply is null ? null : JsonSerializer.Deserialize(reply, ProtocolJsonContext.Default.DaemonResponse);
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
