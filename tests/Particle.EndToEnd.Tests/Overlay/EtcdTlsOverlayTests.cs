using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// The overlay on an etcd that an operator may expose: https only, client certificates required (mutual TLS),
/// authentication on, particled's user limited to /particle/. Three nodes, one tenant; the nodes' client
/// certificates are rotated while they run; a node whose key others can read is not started; no key or password
/// reaches a daemon log, particlectl's status or its events.
/// </summary>
public sealed class EtcdTlsOverlayTests
{
    [Fact]
    public void Mutual_tls_with_a_password_meshes_the_nodes_and_a_client_certificate_rotation_keeps_every_peer()
    {
        var etcd = new EtcdMembership(tls: true);
        using var cluster = new SimCluster(etcd, nodes: 3, tenants: 1);
        cluster.WaitForMesh();
        var tenant = cluster.Tenants[0];
        var (n1, n3) = (cluster.Nodes[0], cluster.Nodes[2]);
        var a = n1.AddPod(tenant, "tlsa", out _);
        var b = n3.AddPod(tenant, "tlsb", out _);
        Wait.Until(() => Ping(a.Netns, b.Address), "a pod on n1 reaches a pod on n3 over the overlay etcd programmed");
        var before = cluster.Nodes.ToDictionary(n => n.Name, State);

        // Rotation while running: each node picks its new pair up by itself (no restart), and an etcd restart
        // (every connection made anew, with the new certificates) changes nothing in the kernel.
        foreach (var node in cluster.Nodes)
            etcd.RotateClientCertificate(node);
        foreach (var node in cluster.Nodes)
            Wait.Until(() => node.DaemonLog.Contains($"{etcd.ClientOf(node).Cert} changed; now using O=particle", StringComparison.Ordinal)
                    || node.DaemonLog.Contains($"{etcd.ClientOf(node).Key} changed; now using O=particle", StringComparison.Ordinal),
                $"{node.Name} takes its new client certificate", node.DaemonLog);
        cluster.Nodes.Should().OnlyContain(n => !n.DaemonLog.Contains("cannot be used", StringComparison.Ordinal),
            "a replacement seen half done (the new key beside the old certificate) is looked at again, not reported");
        etcd.StopServer();
        etcd.StartServer();

        // A node whose key others can read is refused at start (exit code 2, as every config error); with the
        // key made private it joins, over the rotated credentials of everyone else's watches.
        var n4 = new SimNode(cluster, 4);
        cluster.Nodes.Add(n4);
        File.SetUnixFileMode(etcd.ClientOf(n4).Key, (UnixFileMode)0x1A4);   // 0644
        var refused = FluentActions.Invoking(n4.StartDaemon).Should().Throw<InvalidOperationException>().Which.Message;
        refused.Should().Contain("particled exited with 2").And.Contain($"etcd.keyFile {etcd.ClientOf(n4).Key} may be read by others (mode 0644");
        File.SetUnixFileMode(etcd.ClientOf(n4).Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        n4.StartDaemon();
        cluster.WaitForMesh();
        foreach (var node in cluster.Nodes.Take(3))
        {
            var now = State(node);
            now.Should().Contain(before[node.Name], $"{node.Name} kept every peer through the rotation and the etcd restart");
            now.Count.Should().Be(before[node.Name].Count + 3, $"{node.Name} added exactly n4's route, neighbour and FDB entry");
        }
        var c = n4.AddPod(tenant, "tlsc", out _);
        Wait.Until(() => Ping(a.Netns, c.Address), "a pod on n1 reaches the pod on the node that joined after the rotation");

        foreach (var node in cluster.Nodes)
        {
            Readyz(node).Should().Be("200", $"{node.Name} holds its lease");
            string everything = node.DaemonLog
                + Shell.Run(node.Ctl, ["--socket", node.SocketPath, "status", "--json"]).Stdout
                + Shell.Run(node.Ctl, ["--socket", node.SocketPath, "events"]).Stdout;
            foreach (var secret in etcd.Secrets())
                everything.Should().NotContain(secret, $"{node.Name}: no key or password in its log, status or events");
        }
    }

    private static List<string> State(SimNode node) =>
        node.OverlayState().Select(l => l.Replace(" linkdown", "", StringComparison.Ordinal)).ToList();

    private static string Readyz(SimNode node) =>
        Shell.Run("ip", ["netns", "exec", node.Namespace, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:9651/readyz"]).Stdout.Trim();

    private static bool Ping(string fromNetns, string address) =>
        Shell.Run("nsenter", [$"--net={fromNetns}", "ping", "-c", "1", "-W", "1", address]).ExitCode == 0;
}
