using System.Diagnostics;
using Particle.EndToEnd.Tests.Harness;
using Particle.Tests;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// The etcd backend: a real etcd server in a namespace of its own on the underlay (198.18.0.100:2379).
/// Leaving = the node's daemon stops (its lease is revoked, or expires after the TTL); coming back = it
/// starts again and asks for its previous subnet. <see cref="EtcdOverlayTests"/> runs the overlay tests with it.
/// With <c>tls</c>, etcd serves https only to clients with a certificate of the test's CA (openssl, <see cref="TestPki"/>)
/// and has authentication on: each node gets its own client certificate and logs in as the "particle" user, whose
/// role reads and writes /particle/ only.
/// </summary>
public sealed class EtcdMembership(bool tls = false) : IClusterMembership
{
    public const string Address = "198.18.0.100";
    public const int LeaseTtlSeconds = 4;
    private const string RootPassword = "pov-root-pw-51c2e8";

    private readonly string _password = $"pov-pw-{Guid.NewGuid():N}";
    private readonly Dictionary<string, PemPair> _clients = new(StringComparer.Ordinal);
    private SimCluster? _cluster;
    private Process? _server;
    private TestPki? _pki;
    private PemPair? _ca, _serverCert, _admin;
    private bool _authOn;   // etcdctl then logs in as root

    public string Backend => "etcd";

    public string Namespace => $"pov-{_cluster!.Id}-etcd";

    public string Endpoint => $"{(tls ? "https" : "http")}://{Address}:2379";

    public string PasswordFile => Path.Combine(_cluster!.Dir, "etcd-password");

    public void Prepare(SimCluster cluster)
    {
        _cluster = cluster;
        Shell.Check("ip", "netns", "add", Namespace);
        Shell.Check("ip", "-n", Namespace, "link", "set", "lo", "up");
        cluster.Plug(Namespace, "etcd", "ul0", Address);
        if (tls)
        {
            _pki = new TestPki();
            _ca = _pki.Authority("cluster-ca");
            // clientAuth too: etcd 3.4's JSON gateway dials its own gRPC server with this certificate, which
            // --client-cert-auth then checks like any client's (without it: "HTTP 503: connection closed").
            _serverCert = _pki.Issue(_ca, "etcd", $"IP:{Address}", usage: "serverAuth,clientAuth");
            _admin = _pki.Issue(_ca, "admin", "DNS:admin", usage: "clientAuth");
            File.WriteAllText(PasswordFile, _password + "\n");
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        StartServer();
        if (tls)
        {
            // Least privilege, as docs/cluster-stores.md shows: particled's role reads and writes /particle/ only.
            Ctl("user", "add", "root", $"--new-user-password={RootPassword}");
            Ctl("user", "grant-role", "root", "root");
            Ctl("role", "add", "particle-rw");
            Ctl("role", "grant-permission", "particle-rw", "readwrite", "/particle/", "--prefix=true");
            Ctl("user", "add", "particle", $"--new-user-password={_password}");
            Ctl("user", "grant-role", "particle", "particle-rw");
            Ctl("auth", "enable");
        }
    }

    public string ClusterSection(SimNode node) => !tls ? $$"""
        "backend": "etcd", "etcd": { "endpoints": ["{{Endpoint}}"], "prefix": "/particle", "leaseTtlSeconds": {{LeaseTtlSeconds}} }
        """ : $$"""
        "backend": "etcd", "etcd": { "endpoints": ["{{Endpoint}}"], "prefix": "/particle", "leaseTtlSeconds": {{LeaseTtlSeconds}},
                                     "caFile": "{{_ca!.Cert}}", "certFile": "{{ClientOf(node).Cert}}", "keyFile": "{{ClientOf(node).Key}}",
                                     "username": "particle", "passwordFile": "{{PasswordFile}}" }
        """;

    /// <summary>The node's client certificate files (in its folder), issued at first use.</summary>
    public PemPair ClientOf(SimNode node)
    {
        if (!_clients.TryGetValue(node.Name, out var pair))
        {
            pair = new PemPair(Path.Combine(node.Dir, "etcd-client.pem"), Path.Combine(node.Dir, "etcd-client.key"));
            Install(_pki!.Issue(_ca!, node.Name, $"DNS:{node.Name}", usage: "clientAuth"), pair);
            _clients[node.Name] = pair;
        }
        return pair;
    }

    /// <summary>A new certificate and key for the node, put in place by rename (key first) while particled runs.</summary>
    public void RotateClientCertificate(SimNode node) => Install(_pki!.Issue(_ca!, node.Name, $"DNS:{node.Name}", usage: "clientAuth"), ClientOf(node));

    /// <summary>Every private key line and password of the run: none may appear in a log or in particlectl's output.</summary>
    public IEnumerable<string> Secrets() =>
        new[] { _serverCert!, _admin! }.Concat(_clients.Values).SelectMany(p => p.KeyMaterial())
            .Concat(Directory.GetFiles(_pki!.Folder, "*.key").SelectMany(key => new PemPair("", key).KeyMaterial()))
            .Append(_password).Append(RootPassword);

    private static void Install(PemPair from, PemPair to)
    {
        foreach (var (source, target) in new[] { (from.Key, to.Key), (from.Cert, to.Cert) })
        {
            File.Copy(source, target + ".new", overwrite: true);
            File.SetUnixFileMode(target + ".new", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(target + ".new", target, overwrite: true);
        }
    }

    private string[] CtlArgs() => tls
        ? ["--cacert", _ca!.Cert, "--cert", _admin!.Cert, "--key", _admin.Key, .. _authOn ? new[] { "--user", $"root:{RootPassword}" } : []]
        : [];

    private void Ctl(params string[] args)
    {
        Shell.Check("ip", ["netns", "exec", Namespace, "etcdctl", "--endpoints", Endpoint, .. CtlArgs(), .. args]);
        _authOn |= args is ["auth", "enable"];
    }

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
        }.Concat(tls ? ["--cert-file", _serverCert!.Cert, "--key-file", _serverCert.Key, "--trusted-ca-file", _ca!.Cert, "--client-cert-auth"] : []))
            info.ArgumentList.Add(arg);
        _server = Process.Start(info)!;
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        Wait.Until(() => Shell.Run("ip", ["netns", "exec", Namespace, "etcdctl", "--endpoints", Endpoint, .. CtlArgs(), "--dial-timeout", "1s", "endpoint", "health"],
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
        _pki?.Dispose();
    }
}
