using System.Diagnostics;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// The etcd backend: a real etcd server in a namespace of its own on the underlay (198.18.0.100:2379).
/// Leaving = the node's daemon stops (its lease is revoked, or expires after the TTL); coming back = it
/// starts again and asks for its previous subnet. <see cref="EtcdOverlayTests"/> runs the overlay tests with it.
/// </summary>
public sealed class EtcdMembership : IClusterMembership
{
    public const string Address = "198.18.0.100";
    public const int LeaseTtlSeconds = 4;

    private SimCluster? _cluster;
    private Process? _server;

    public string Backend => "etcd";

    public string Namespace => $"pov-{_cluster!.Id}-etcd";

    public string Endpoint => $"http://{Address}:2379";

    public void Prepare(SimCluster cluster)
    {
        _cluster = cluster;
        Shell.Check("ip", "netns", "add", Namespace);
        Shell.Check("ip", "-n", Namespace, "link", "set", "lo", "up");
        cluster.Plug(Namespace, "etcd", "ul0", Address);
        StartServer();
    }

    public string ClusterSection(SimNode node) => $$"""
        "backend": "etcd", "etcd": { "endpoints": ["{{Endpoint}}"], "prefix": "/particle", "leaseTtlSeconds": {{LeaseTtlSeconds}} }
        """;

    public void Remove(SimNode node) => node.StopDaemon();

    public void Restore(SimNode node) => node.StartDaemon();

    /// <summary>Starts etcd (again, on the same data): for the tests of an etcd outage.</summary>
    public void StartServer()
    {
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "netns", "exec", Namespace, "etcd", "--name", "particle", "--data-dir", Path.Combine(_cluster!.Dir, "etcd"),
            "--listen-client-urls", Endpoint, "--advertise-client-urls", Endpoint,
            "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
            "--initial-cluster", "particle=http://127.0.0.1:2380",
        })
            info.ArgumentList.Add(arg);
        _server = Process.Start(info)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        Wait.Until(() => Shell.Run("ip", ["netns", "exec", Namespace, "etcdctl", "--endpoints", Endpoint, "--dial-timeout", "1s", "endpoint", "health"],
            timeout: TimeSpan.FromSeconds(5)).ExitCode == 0, "etcd answers");
    }

    /// <summary>SIGKILL: the store is simply gone.</summary>
    public void StopServer()
    {
        if (_server is { HasExited: false } server)
        {
            server.Kill();
            server.WaitForExit();
        }
        _server = null;
    }

    public void Dispose()
    {
        StopServer();
        if (_cluster is not null)
            Shell.Run("ip", ["netns", "del", Namespace]);
    }
}
