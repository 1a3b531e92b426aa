using System.Net;
using System.Text.Json.Nodes;
using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Kubernetes;
using Particle.Netlink;
using Xunit.Abstractions;

namespace Particle.Daemon.Tests.Cluster.Kubernetes;

/// <summary>The Kubernetes store against a local HTTPS server that answers as kube-apiserver does for Nodes.</summary>
public sealed class KubernetesClusterStoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Network = "pods";
    private static readonly IPNetwork ClusterCidr = IPNetwork.Parse("10.244.0.0/16");

    private readonly TempDir _folder = new();
    private FakeApiServer _api = null!;

    public Task InitializeAsync()
    {
        _api = new FakeApiServer(_folder.Path);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task JoinTakesThePodCidrAndPublishesTheEndpointAsAnnotations()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        await using KubernetesClusterStore store = Store("node-a");

        NodeLease lease = await store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        lease.Should().Be(new NodeLease(Network, "node-a", IPNetwork.Parse("10.244.1.0/24"), IPAddress.Parse("198.18.0.1"),
            MacAddress.Parse("02:00:00:00:00:01")));
        JsonObject annotations = _api.Node("node-a")["metadata"]!["annotations"]!.AsObject();
        annotations["particle.dev/vtep-mac"]!.GetValue<string>().Should().Be("02:00:00:00:00:01");
        annotations["particle.dev/underlay-ip"]!.GetValue<string>().Should().Be("198.18.0.1");
        annotations["particle.dev/network"]!.GetValue<string>().Should().Be("pods");
        annotations["node.alpha.kubernetes.io/ttl"]!.GetValue<string>().Should().Be("0", "a merge patch leaves other annotations alone");

        RecordedRequest patch = _api.Requests.Single(r => r.Method == "PATCH");
        patch.Target.Should().Be("/api/v1/nodes/node-a");
        patch.Header("Content-Type").Should().Be("application/merge-patch+json");
        JsonNode.Parse(patch.Body)!.ToJsonString().Should().Be(
            """{"metadata":{"annotations":{"particle.dev/vtep-mac":"02:00:00:00:00:01","particle.dev/underlay-ip":"198.18.0.1","particle.dev/network":"pods"}}}""");
        _api.Requests.Should().OnlyContain(r => r.Header("Authorization") == $"Bearer {_api.Token}");
        store.Health.Connected.Should().BeTrue();
    }

    [Fact]
    public async Task WatchFollowsNodesAddedAnnotatedAndDeleted()
    {
        _api.AddNode("node-a", "10.244.1.0/24", Annotated(1));
        _api.AddNode("node-b", "10.244.2.0/24");                  // particled not running there yet
        _api.AddNode("node-x", null, Annotated(9));               // no podCIDR: not a peer
        await using KubernetesClusterStore store = Store("node-a");
        await using var snapshots = new SnapshotRecorder(store, Network);

        (await snapshots.WaitForAsync(l => l.Count == 1, TimeSpan.FromSeconds(5), "node-a alone"))
            .Single().Should().Be(new NodeLease(Network, "node-a", IPNetwork.Parse("10.244.1.0/24"), IPAddress.Parse("198.18.0.1"),
                MacAddress.Parse("02:00:00:00:00:01")));

        _api.ModifyNode("node-b", n => n["metadata"]!["annotations"]!["particle.dev/vtep-mac"] = "02:00:00:00:00:02");
        _api.ModifyNode("node-b", n => n["metadata"]!["annotations"]!["particle.dev/underlay-ip"] = "198.18.0.2");
        await snapshots.WaitForAsync(l => Names(l) == "node-a,node-b", TimeSpan.FromSeconds(5), "node-b annotated");

        _api.AddNode("node-c", "10.244.3.0/24", Annotated(3));
        await snapshots.WaitForAsync(l => Names(l) == "node-a,node-b,node-c", TimeSpan.FromSeconds(5), "node-c added");

        _api.DeleteNode("node-b");
        IReadOnlyList<NodeLease> after = await snapshots.WaitForAsync(l => Names(l) == "node-a,node-c", TimeSpan.FromSeconds(5), "node-b deleted");
        after.Single(l => l.Node == "node-c").Subnet.Should().Be(IPNetwork.Parse("10.244.3.0/24"));

        // A bookmark and a status heartbeat change nothing a peer needs: no new snapshot.
        int count = snapshots.All.Count;
        _api.Bookmark();
        _api.ModifyNode("node-a", n => n["status"]!["conditions"]![0]!["lastHeartbeatTime"] = "2026-11-29T09:01:00Z");
        _api.AddNode("node-d", "10.244.4.0/24", Annotated(4));   // a change after them: proves the stream still flows
        await snapshots.WaitForAsync(l => Names(l) == "node-a,node-c,node-d", TimeSpan.FromSeconds(5), "node-d added");
        snapshots.All.Count.Should().Be(count + 1);
    }

    [Fact]
    public async Task LostAnnotationsOfTheOwnNodeArePublishedAgain()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        await using KubernetesClusterStore store = Store("node-a");
        await store.JoinAsync(Join("node-a", 1), CancellationToken.None);
        await using var snapshots = new SnapshotRecorder(store, Network);
        await snapshots.WaitForAsync(l => Names(l) == "node-a", TimeSpan.FromSeconds(5), "node-a");

        // The kubelet registers the Node again (deleted and re-created, without annotations).
        _api.DeleteNode("node-a");
        _api.AddNode("node-a", "10.244.1.0/24");

        await WaitUntilAsync(() => _api.Node("node-a")["metadata"]!["annotations"]!.AsObject().ContainsKey("particle.dev/vtep-mac"),
            TimeSpan.FromSeconds(5), "the annotations are back");
        await snapshots.WaitForAsync(l => Names(l) == "node-a", TimeSpan.FromSeconds(5), "node-a is a peer again");
        _api.Requests.Count(r => r.Method == "PATCH").Should().Be(2, "one at the join, one after the Node came back bare");
    }

    [Fact]
    public async Task TooOldResourceVersionListsAgain()
    {
        _api.AddNode("node-a", "10.244.1.0/24", Annotated(1));
        await using KubernetesClusterStore store = Store("node-a");
        await using var snapshots = new SnapshotRecorder(store, Network);
        await snapshots.WaitForAsync(l => Names(l) == "node-a", TimeSpan.FromSeconds(5), "node-a");

        _api.ExpireHistory();   // the open watch ends; resuming from its resourceVersion is answered 410 Gone
        _api.AddNode("node-e", "10.244.5.0/24", Annotated(5));

        await snapshots.WaitForAsync(l => Names(l) == "node-a,node-e", TimeSpan.FromSeconds(10), "node-e, found by listing again");
        _api.Requests.Count(r => r.Method == "GET" && r.Target == "/api/v1/nodes").Should().Be(2, "one LIST at the start, one after the 410");
        _api.GoneAnswers.Should().BeGreaterThanOrEqualTo(1, "a watch from the old resourceVersion was answered 410");
    }

    [Fact]
    public async Task AnApiServerOutageKeepsTheLastSnapshotAndResynchronisesAfter()
    {
        _api.AddNode("node-a", "10.244.1.0/24", Annotated(1));
        await using KubernetesClusterStore store = Store("node-a");
        await using var snapshots = new SnapshotRecorder(store, Network);
        await snapshots.WaitForAsync(l => Names(l) == "node-a", TimeSpan.FromSeconds(5), "node-a");
        store.Health.Connected.Should().BeTrue();

        await _api.GoAwayAsync();
        await WaitUntilAsync(() => !store.Health.Connected, TimeSpan.FromSeconds(10), "the store reports the outage");
        store.Health.LastError.Should().Contain("cannot reach");
        await Task.Delay(TimeSpan.FromSeconds(1));   // a few retries meanwhile
        _api.ComeBack();
        _api.AddNode("node-b", "10.244.2.0/24", Annotated(2));

        await snapshots.WaitForAsync(l => Names(l) == "node-a,node-b", TimeSpan.FromSeconds(10), "node-b, after the API came back");
        await WaitUntilAsync(() => store.Health.Connected, TimeSpan.FromSeconds(5), "the store reports the API reachable");
        snapshots.All.Should().OnlyContain(s => s.Leases.Any(l => l.Node == "node-a"), "the outage never emptied the cluster");
    }

    [Fact]
    public async Task AnApiServerCertificateFromAnotherCaIsAClearError()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        using var other = new TestCertificates("some-other-ca");
        string otherCa = _folder.File("other-ca.crt");
        File.WriteAllText(otherCa, other.AuthorityPem);
        await using var store = new KubernetesClusterStore(
            new KubernetesStoreOptions(_api.ApiServer, "node-a", _api.TokenFile, otherCa), new TestLog(output, "store"));

        Func<Task> join = () => store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should()
            .Contain("not trusted by the CA file").And.Contain(otherCa);
        store.Health.Connected.Should().BeFalse();
        _api.Requests.Should().BeEmpty("no request may be sent to a server that was not verified");
    }

    [Fact]
    public async Task TheCaBundleIsReadAgainWhenItIsRotated()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        using var other = new TestCertificates("some-other-ca");
        string caFile = _folder.File("rotating-ca.crt");
        File.WriteAllText(caFile, other.AuthorityPem);
        var log = new RecordingLog(output, "store");
        await using var store = new KubernetesClusterStore(new KubernetesStoreOptions(_api.ApiServer, "node-a", _api.TokenFile, caFile), log);
        Func<Task> join = () => store.JoinAsync(Join("node-a", 1), CancellationToken.None);
        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().Contain("not trusted by the CA file");

        // The mounted ca.crt is replaced (a CA rotation): the same store trusts the new bundle, no restart.
        File.WriteAllText(caFile, "not a certificate\n");
        await join.Should().ThrowAsync<ClusterStoreException>("a broken bundle keeps the previous one");
        File.WriteAllText(caFile, other.AuthorityPem + "\n" + File.ReadAllText(_api.CaFile));

        NodeLease lease = await store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        lease.Subnet.Should().Be(IPNetwork.Parse("10.244.1.0/24"));
        log.Has($"kubernetes: CA bundle: {caFile} changed; now using 2 CA certificate(s)").Should().BeTrue();
    }

    [Fact]
    public async Task AWrongTokenIsRefusedWithAHint()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        string wrongToken = _folder.File("wrong-token");
        File.WriteAllText(wrongToken, "not-the-token");
        await using var store = new KubernetesClusterStore(
            new KubernetesStoreOptions(_api.ApiServer, "node-a", wrongToken, _api.CaFile), new TestLog(output, "store"));

        Func<Task> join = () => store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should()
            .Contain("HTTP 401").And.Contain("service account token");
    }

    [Fact]
    public async Task ANodeWithoutPodCidrCannotJoin()
    {
        _api.AddNode("node-a", null);
        await using KubernetesClusterStore store = Store("node-a");

        Func<Task> join = () => store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().Contain("no IPv4 spec.podCIDR");
        _api.Requests.Should().NotContain(r => r.Method == "PATCH");
    }

    [Fact]
    public async Task OnlyOneNetworkIsServed()
    {
        _api.AddNode("node-a", "10.244.1.0/24");
        await using KubernetesClusterStore store = Store("node-a");
        await store.JoinAsync(Join("node-a", 1), CancellationToken.None);

        Func<Task> second = () => store.JoinAsync(Join("node-a", 1) with { Network = "tenant-b" }, CancellationToken.None);

        (await second.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().Contain("serves one network");
    }

    [Fact]
    public void FromEnvironmentUsesTheServiceVariablesAndTheServiceAccountFiles()
    {
        string? host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
        string? port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
        try
        {
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", "10.96.0.1");
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", "443");

            KubernetesStoreOptions options = KubernetesStoreOptions.FromEnvironment(nodeName: "node-a");

            options.Should().Be(new KubernetesStoreOptions(new Uri("https://10.96.0.1:443"), "node-a",
                "/var/run/secrets/kubernetes.io/serviceaccount/token", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"));
            KubernetesStoreOptions.FromEnvironment("n", "https://api.example:6443", "/t", "/c").ApiServer.Should().Be(new Uri("https://api.example:6443"));
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", null);
            Action outside = () => KubernetesStoreOptions.FromEnvironment(nodeName: "node-a");
            outside.Should().Throw<ClusterStoreException>().WithMessage("*KUBERNETES_SERVICE_HOST*");
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_HOST", host);
            Environment.SetEnvironmentVariable("KUBERNETES_SERVICE_PORT", port);
        }
    }

    private KubernetesClusterStore Store(string node) =>
        new(new KubernetesStoreOptions(_api.ApiServer, node, _api.TokenFile, _api.CaFile) { MaxRetryDelay = TimeSpan.FromMilliseconds(500) },
            new TestLog(output, node));

    private static ClusterJoin Join(string node, int index) =>
        new(Network, node, ClusterCidr, 24, IPAddress.Parse($"198.18.0.{index}"), MacAddress.Parse($"02:00:00:00:00:{index:x2}"), null);

    private static Dictionary<string, string> Annotated(int index) => new()
    {
        ["particle.dev/vtep-mac"] = $"02:00:00:00:00:{index:x2}",
        ["particle.dev/underlay-ip"] = $"198.18.0.{index}",
        ["particle.dev/network"] = Network,
    };

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            }
            await Task.Delay(50);
        }
    }

    private static string Names(IReadOnlyList<NodeLease> leases) => string.Join(',', leases.Select(l => l.Node));
}
