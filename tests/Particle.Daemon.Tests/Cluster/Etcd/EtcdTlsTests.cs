using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Etcd;
using Particle.Daemon.Metrics;
using Particle.Netlink;
using Xunit.Abstractions;

namespace Particle.Daemon.Tests.Cluster.Etcd;

/// <summary>
/// The etcd store over mutual TLS with etcd users and roles, against a real etcd 3.4 serving https in a
/// namespace of its own, with certificates made by openssl (<see cref="EtcdPki"/>): what works, each failure
/// named in its own words and metric label, rotation without a restart, and least privilege. Every test ends by
/// checking that no password or private key line reached any log line.
/// </summary>
public sealed class EtcdTlsTests : IClassFixture<EtcdPki>, IDisposable
{
    private const string Network = "pods";
    private const string RootPassword = "pcs-root-pw-7f3a9c";
    private static readonly IPNetwork ClusterCidr = IPNetwork.Parse("10.244.0.0/16");
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    private readonly ITestOutputHelper _output;
    private readonly EtcdPki _pki;
    private readonly string _folder = Directory.CreateTempSubdirectory("pcs-etcd-tls-").FullName;
    private readonly string _password = $"pcs-pw-{Guid.NewGuid():N}";
    private readonly List<RecordingLog> _logs = [];
    private readonly List<EtcdServer> _servers = [];
    private readonly ConcurrentQueue<string> _reasons = new();
    private readonly MeterListener _metrics = new();

    public EtcdTlsTests(ITestOutputHelper output, EtcdPki pki)
    {
        _output = output;
        _pki = pki;
        _metrics.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "particle.cluster.store_errors")
                listener.EnableMeasurementEvents(instrument);
        };
        _metrics.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                    _reasons.Enqueue((string)tag.Value!);
            }
        });
        _metrics.Start();
    }

    public void Dispose()
    {
        _metrics.Dispose();
        foreach (EtcdServer server in _servers)
        {
            _output.WriteLine(server.Log);
            server.Dispose();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task MutualTlsAndAPasswordJoinAndWatchAndATokenThatIdledOutIsReplaced()
    {
        EtcdServer etcd = Start(auth: true);
        await using EtcdClusterStore watcher = Store("watcher", Secure(etcd));
        await using var snapshots = new SnapshotRecorder(watcher, Network);
        await using EtcdClusterStore a = Store("a", Secure(etcd));

        NodeLease lease = await a.JoinAsync(Join("node-a", 1), CancellationToken.None);

        await snapshots.WaitForAsync(l => l.Any(x => x.Node == "node-a"), TimeSpan.FromSeconds(5), "node-a, watched over mutual TLS");
        etcd.Ctl("get", "--prefix", "/pcs/", "--keys-only").Should().Contain($"{lease.Subnet.BaseAddress}-24");

        // etcd forgets a token that idled past --auth-token-ttl (1 s here; also at a restart that follows a
        // snapshot): the next call is refused as "invalid auth token", and the store authenticates again.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await a.JoinAsync(Join("node-a", 1) with { Network = "tenant-b" }, CancellationToken.None);
        _logs[^1].Has("etcd: the auth token of user particle is no longer valid").Should().BeTrue();
        await using EtcdClusterStore b = Store("b", Secure(etcd));
        await b.JoinAsync(Join("node-b", 2), CancellationToken.None);
        await snapshots.WaitForAsync(l => l.Any(x => x.Node == "node-b"), TimeSpan.FromSeconds(5), "node-b, on the same watch");
        a.Health.Should().Match<ClusterStoreHealth>(h => h.Connected && h.LeaseProblem == null);
        NoSecretLogged();
    }

    [Fact]
    public async Task ANodeWithoutTheRoleCannotTouchAnotherPrefixNorKeepWritingOnceItIsRevoked()
    {
        EtcdServer etcd = Start(auth: true);
        // "intruder" may read and write /other/ only; "particle" /pcs/ only.
        await using EtcdClusterStore intruder = Store("intruder", Secure(etcd) with { Username = "intruder" });
        await using EtcdClusterStore elsewhere = Store("elsewhere", Secure(etcd) with { Prefix = "/other" });

        Func<Task> intrude = () => intruder.JoinAsync(Join("node-x", 9), CancellationToken.None);
        Func<Task> wander = () => elsewhere.JoinAsync(Join("node-y", 8), CancellationToken.None);

        (await intrude.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should()
            .Contain("permission denied").And.Contain("user 'intruder' needs a role granting readwrite on /pcs/ with --prefix");
        (await wander.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should()
            .Contain("permission denied").And.Contain("user 'particle'");
        etcd.Ctl("get", "--prefix", "/", "--keys-only").Trim().Should().BeEmpty("neither wrote anything anywhere");
        _reasons.Should().Contain("permission_denied");

        // A role revoked while the node runs: its next write is refused with the same words.
        await using EtcdClusterStore a = Store("a", Secure(etcd));
        await a.JoinAsync(Join("node-a", 1), CancellationToken.None);
        etcd.Ctl("role", "revoke-permission", "particle-rw", "/pcs/", "--prefix=true");
        Func<Task> more = () => a.JoinAsync(Join("node-a", 1) with { Network = "tenant-b" }, CancellationToken.None);
        (await more.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().Contain("permission denied").And.Contain("was it revoked?");
        NoSecretLogged();
    }

    [Fact]
    public async Task EachCertificateAndPasswordProblemIsNamedAndCounted()
    {
        EtcdServer etcd = Start(auth: true);
        string wrongPassword = Secret("wrong-password", $"pcs-wrong-{Guid.NewGuid():N}");
        var cases = new (string What, EtcdStoreOptions Options, string Expected, string Reason)[]
        {
            ("a CA bundle that did not sign etcd's certificate", Secure(etcd) with { CaFile = _pki.OtherCa.Cert },
                $"is not trusted by the CA file {_pki.OtherCa.Cert}", "server_untrusted"),
            ("another name asked for", Secure(etcd) with { ServerName = "other.test" },
                "its certificate is not for other.test (it names etcd.test, 127.0.0.1)", "server_name_mismatch"),
            ("an expired client certificate", Secure(etcd, _pki.ExpiredClient),
                $"etcd refused the client certificate {_pki.ExpiredClient.Cert}: it expired at", "client_cert_expired"),
            ("a client certificate valid only tomorrow", Secure(etcd, _pki.FutureClient), "is not valid before", "client_cert_not_yet_valid"),
            ("a client certificate of another CA", Secure(etcd, _pki.OtherClient),
                "it is not signed by a CA of etcd's --trusted-ca-file", "client_cert_refused"),
            ("a wrong password", Secure(etcd) with { PasswordFile = wrongPassword },
                $"authentication failed, invalid user ID or password (user 'particle'; check etcd.passwordFile {wrongPassword})", "auth_failed"),
            ("no user while etcd has authentication on", Secure(etcd) with { Username = null, PasswordFile = null },
                "no etcd.username is configured: with authentication enabled on etcd, set etcd.username and etcd.passwordFile", "permission_denied"),
        };
        foreach (var (what, options, expected, reason) in cases)
        {
            await using EtcdClusterStore store = Store(reason, options);
            Func<Task> join = () => store.JoinAsync(Join("node-a", 1), CancellationToken.None);
            (await join.Should().ThrowAsync<ClusterStoreException>(what)).Which.Message.Should().Contain(expected, what);
            store.Health.Connected.Should().BeFalse(what);
            _reasons.Should().Contain(reason, what);
        }

        // The name override is honoured: etcd's certificate names etcd.test besides 127.0.0.1.
        await using (EtcdClusterStore named = Store("named", Secure(etcd) with { ServerName = "etcd.test" }))
        {
            await named.JoinAsync(Join("node-n", 5), CancellationToken.None);
        }

        // An etcd whose own certificate expired.
        EtcdServer stale = Start(auth: false, tls: new EtcdServerTls(_pki.ExpiredServer, _pki.Ca.Cert, _pki.Admin, _pki.Ca.Cert));
        await using EtcdClusterStore late = Store("late", Secure(stale) with { Username = null, PasswordFile = null });
        Func<Task> lateJoin = () => late.JoinAsync(Join("node-a", 1), CancellationToken.None);
        (await lateJoin.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().MatchRegex(@"TLS: etcd at 127\.0\.0\.1: its certificate \(O=particle\) expired at 20\d\d-");
        _reasons.Should().Contain("server_cert_expired");
        NoSecretLogged(wrongPassword);
    }

    [Fact]
    public async Task RotatedCertificatesAndCaAreUsedWithoutARestartAndBrokenReplacementsAreRefused()
    {
        EtcdServer etcd = Start(auth: false);
        // The node's own copies, replaced in place as a rotation tool (cert-manager, a secret update) would.
        string caFile = Copy(_pki.Ca.Cert, "ca.pem");
        var mine = new PemPair(Copy(_pki.Client.Cert, "client.pem"), Copy(_pki.Client.Key, "client.key"));
        var options = new EtcdStoreOptions([etcd.Endpoint], "/pcs", Ttl)
        {
            MaxRetryDelay = TimeSpan.FromMilliseconds(500), CaFile = caFile, CertFile = mine.Cert, KeyFile = mine.Key,
        };
        await using EtcdClusterStore a = Store("a", options);
        RecordingLog log = _logs[^1];
        await a.JoinAsync(Join("node-a", 1), CancellationToken.None);

        // Broken replacements: garbage, then a good pair whose key anyone may read. The old pair stays in use.
        File.WriteAllText(mine.Cert, "not a certificate\n");
        await WaitUntilAsync(() => log.Has($"etcd: client certificate: {mine.Cert} changed but cannot be used"), TimeSpan.FromSeconds(5), "garbage is refused");
        // The key first (by rename, as atomic tools do), so that no state in between is usable.
        ReplaceByRename(_pki.OtherClient.Key, mine.Key, (UnixFileMode)0x1A4);   // 0644
        File.WriteAllText(mine.Cert, File.ReadAllText(_pki.OtherClient.Cert));
        await WaitUntilAsync(() => log.Has("may be read by others (mode 0644"), TimeSpan.FromSeconds(5), "a key others can read is refused");
        log.Lines.Should().Contain(l => l.Contains("keeping the previous O=particle", StringComparison.Ordinal));
        a.Health.Connected.Should().BeTrue("the previous certificate still works");

        // The real rotation: etcd moves to another CA for its own certificate and its clients. The node gets a
        // client certificate of the new CA and a CA bundle with both, then etcd restarts on the new CA alone.
        ReplaceByRename(_pki.OtherClient.Key, mine.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await WaitUntilAsync(() => log.Has($"{mine.Key} changed; now using O=particle"), TimeSpan.FromSeconds(5), "the new pair is taken");
        File.WriteAllText(caFile, File.ReadAllText(_pki.Ca.Cert) + File.ReadAllText(_pki.OtherCa.Cert));
        await WaitUntilAsync(() => log.Has($"etcd: CA bundle: {caFile} changed; now using 2 CA certificate(s)"), TimeSpan.FromSeconds(5), "the new bundle is taken");
        etcd.Stop();
        etcd.Tls = new EtcdServerTls(_pki.OtherServer, _pki.OtherCa.Cert, _pki.OtherAdmin, _pki.OtherCa.Cert);
        etcd.Start();

        await a.JoinAsync(Join("node-a", 1) with { Network = "tenant-b" }, CancellationToken.None);
        await WaitUntilAsync(() => a.Health.Connected, TimeSpan.FromSeconds(10), "the lease is renewed over the new credentials");
        a.Health.LeaseProblem.Should().BeNull();
        etcd.Ctl("get", "--prefix", "/pcs/", "--keys-only").Should().Contain("/pcs/networks/pods/").And.Contain("/pcs/networks/tenant-b/");
        NoSecretLogged();
    }

    [Fact]
    public async Task OnlyALeaseThatCannotBeRenewedWithinItsTtlIsALeaseProblem()
    {
        EtcdServer etcd = Start(auth: false);
        await using EtcdClusterStore a = Store("a", Secure(etcd) with { Username = null, PasswordFile = null });
        await a.JoinAsync(Join("node-a", 1), CancellationToken.None);

        // etcd now refuses this node's certificate (it trusts another CA only): the store cannot renew.
        etcd.Stop();
        etcd.Tls = new EtcdServerTls(_pki.Server, _pki.OtherCa.Cert, _pki.OtherAdmin, _pki.Ca.Cert);
        etcd.Start();
        var refused = Stopwatch.StartNew();
        await WaitUntilAsync(() => !a.Health.Connected, TimeSpan.FromSeconds(5), "the store sees the refusal");
        a.Health.LastError.Should().Contain("etcd refused the client certificate");
        if (refused.Elapsed < Ttl - TimeSpan.FromSeconds(1))
            a.Health.LeaseProblem.Should().BeNull("within the TTL the lease still stands: no reason to be unready");
        await WaitUntilAsync(() => a.Health.LeaseProblem is not null, Ttl + TimeSpan.FromSeconds(3), "past the TTL the lease is lost");
        a.Health.LeaseProblem.Should().StartWith("the etcd lease cannot be kept: not renewed for").And.Contain("TLS: etcd refused the client certificate");
        using (ClusterStoreMetrics.Register(a))
            ClusterStoreMetrics.LeaseProblems().Should().Contain(a.Health.LeaseProblem!, "/readyz reads it from there");

        etcd.Stop();
        etcd.Tls = _pki.Serving;
        etcd.Start();
        await WaitUntilAsync(() => a.Health.LeaseProblem is null && a.Health.Connected, TimeSpan.FromSeconds(10), "a new lease once etcd accepts the node again");
        etcd.Ctl("get", "--prefix", "/pcs/", "--keys-only").Should().Contain("/pcs/networks/pods/", "the subnet was published again");
        NoSecretLogged();
    }

    [Fact]
    public async Task KeyAndPasswordFilesOthersCanReadAreRefusedAtStart()
    {
        var endpoint = new Uri("https://127.0.0.1:1");
        var open = new PemPair(Copy(_pki.Client.Cert, "open.pem"), Copy(_pki.Client.Key, "open.key"));
        File.SetUnixFileMode(open.Key, (UnixFileMode)0x1A0);   // 0640: the group may read it
        string password = Secret("password", _password);
        File.SetUnixFileMode(password, (UnixFileMode)0x1A4);   // 0644

        var withKey = new EtcdStoreOptions([endpoint], "/pcs", Ttl) { CaFile = _pki.Ca.Cert, CertFile = open.Cert, KeyFile = open.Key };
        var withPassword = new EtcdStoreOptions([endpoint], "/pcs", Ttl) { CaFile = _pki.Ca.Cert, Username = "particle", PasswordFile = password };

        Action key = () => _ = new EtcdClusterStore(withKey, new TestLog(_output, "key"));
        Action secret = () => _ = new EtcdClusterStore(withPassword, new TestLog(_output, "password"));

        key.Should().Throw<ClusterStoreException>().WithMessage($"etcd.keyFile {open.Key} may be read by others (mode 0640, owner uid 0): it must be owned by root*");
        secret.Should().Throw<ClusterStoreException>().WithMessage($"etcd.passwordFile {password} may be read by others (mode 0644*");
        await Task.CompletedTask;
    }

    private EtcdServer Start(bool auth, EtcdServerTls? tls = null)
    {
        var etcd = new EtcdServer(tls ?? _pki.Serving, auth ? ["--auth-token-ttl", "1"] : []);
        _servers.Add(etcd);
        if (auth)
        {
            // Least privilege, as docs/cluster-stores.md shows it: particled's role reads and writes its prefix only.
            etcd.Ctl("user", "add", "root", $"--new-user-password={RootPassword}");
            etcd.Ctl("user", "grant-role", "root", "root");
            etcd.Ctl("role", "add", "particle-rw");
            etcd.Ctl("role", "grant-permission", "particle-rw", "readwrite", "/pcs/", "--prefix=true");
            etcd.Ctl("user", "add", "particle", $"--new-user-password={_password}");
            etcd.Ctl("user", "grant-role", "particle", "particle-rw");
            etcd.Ctl("role", "add", "other-rw");
            etcd.Ctl("role", "grant-permission", "other-rw", "readwrite", "/other/", "--prefix=true");
            etcd.Ctl("user", "add", "intruder", $"--new-user-password={_password}");
            etcd.Ctl("user", "grant-role", "intruder", "other-rw");
            etcd.Ctl("auth", "enable");
            etcd.CtlUser = $"root:{RootPassword}";
        }
        return etcd;
    }

    /// <summary>Mutual TLS with the cluster CA, and the "particle" user.</summary>
    private EtcdStoreOptions Secure(EtcdServer etcd, PemPair? client = null) =>
        new([etcd.Endpoint], "/pcs", Ttl)
        {
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
            CaFile = _pki.Ca.Cert,
            CertFile = (client ?? _pki.Client).Cert,
            KeyFile = (client ?? _pki.Client).Key,
            Username = "particle",
            PasswordFile = _passwordFile ??= Secret("password", _password),
        };

    private string? _passwordFile;

    private EtcdClusterStore Store(string name, EtcdStoreOptions options)
    {
        var log = new RecordingLog(_output, name);
        _logs.Add(log);
        EtcdServer etcd = _servers.First(s => options.Endpoints[0].Port == s.ClientPort);
        return new EtcdClusterStore(options, log, etcd.Handler());
    }

    private string Secret(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private string Copy(string from, string name)
    {
        string path = Path.Combine(_folder, name);
        File.Copy(from, path, overwrite: true);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>Writes <paramref name="from"/>'s content with <paramref name="mode"/> next to <paramref name="target"/>, then renames it over.</summary>
    private static void ReplaceByRename(string from, string target, UnixFileMode mode)
    {
        string temporary = target + ".new";
        File.Copy(from, temporary, overwrite: true);
        File.SetUnixFileMode(temporary, mode);
        File.Move(temporary, target, overwrite: true);
    }

    private void NoSecretLogged(params string[] moreSecretFiles)
    {
        var secrets = _pki.KeyMaterial().Append(_password).Append(RootPassword)
            .Concat(moreSecretFiles.Select(f => File.ReadAllText(f).Trim())).ToList();
        List<string> lines = _logs.SelectMany(l => l.Lines).ToList();
        lines.Should().NotBeEmpty();
        foreach (string secret in secrets)
            lines.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal), "no key or password may be logged");
    }

    private static ClusterJoin Join(string node, int index) =>
        new(Network, node, ClusterCidr, 24, IPAddress.Parse($"198.18.0.{index}"), MacAddress.Parse($"02:00:00:00:00:{index:x2}"), null);

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            await Task.Delay(100);
        }
    }
}
