using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Particle.Netlink;

namespace Particle.Daemon.Cluster.Kubernetes;

/// <summary>
/// The cluster store on the Kubernetes API, the way flannel's kube subnet manager works: the node subnet is
/// the Node's spec.podCIDR (allocated by kube-controller-manager, so there is nothing to lease or renew),
/// and each node publishes its tunnel endpoint as Node annotations. Peers are every Node that has a
/// podCIDR and both annotations; a Node deleted from the API leaves the cluster. Kubernetes gives a node
/// one podCIDR, so this backend serves exactly one network.
/// </summary>
public sealed class KubernetesClusterStore : IClusterStore
{
    public const string VtepMacAnnotation = "particle.dev/vtep-mac";
    public const string UnderlayAnnotation = "particle.dev/underlay-ip";
    public const string NetworkAnnotation = "particle.dev/network";

    /// <summary>The API server sends a bookmark about every minute; a stream silent for this long is dead.</summary>
    private static readonly TimeSpan WatchIdleLimit = TimeSpan.FromSeconds(330);

    private readonly KubernetesStoreOptions _options;
    private readonly ILogger _log;
    private readonly KubernetesClient _client;
    private readonly CancellationTokenSource _stopping = new();
    private string? _network;
    private Dictionary<string, string>? _published;   // what JoinAsync annotated this node with
    private int _republishing;

    public KubernetesClusterStore(KubernetesStoreOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        _client = new KubernetesClient(options, log);
    }

    public ClusterStoreHealth Health => _client.Health;

    public async Task<NodeLease> JoinAsync(ClusterJoin join, CancellationToken cancel)
    {
        ClaimNetwork(join.Network);
        string node = _options.NodeName;
        if (join.Node != node)
        {
            _log.LogWarning("kubernetes: joining as Node {Node} (the node name of the Kubernetes API), not {Asked}", node, join.Node);
        }
        try
        {
            NodeObject self = await _client.GetNodeAsync(node, cancel);
            IPNetwork subnet = PodCidrOf(self) ?? throw new ClusterStoreException(
                $"kubernetes: Node {node} has no IPv4 spec.podCIDR yet; kube-controller-manager assigns one with --allocate-node-cidrs and --cluster-cidr");
            if (!join.ClusterCidr.Contains(subnet.BaseAddress) || subnet.PrefixLength < join.ClusterCidr.PrefixLength)
            {
                throw new ClusterStoreException(
                    $"kubernetes: Node {node}'s podCIDR {subnet} lies outside network {join.Network}'s cluster CIDR {join.ClusterCidr}");
            }
            if (subnet.PrefixLength != join.NodeSubnetLength)
            {
                _log.LogWarning("kubernetes: Node {Node}'s podCIDR {Subnet} is not a /{Length}; using it as Kubernetes assigned it",
                    node, subnet, join.NodeSubnetLength);
            }
            var annotations = new Dictionary<string, string>
            {
                [VtepMacAnnotation] = join.VtepMac.ToString(),
                [UnderlayAnnotation] = join.Underlay.ToString(),
                [NetworkAnnotation] = join.Network,
            };
            await _client.PatchAnnotationsAsync(node, annotations, cancel);
            Volatile.Write(ref _published, annotations);
            _log.LogInformation("kubernetes: Node {Node} holds podCIDR {Subnet}; published VTEP {Mac} at {Underlay}",
                node, subnet, join.VtepMac, join.Underlay);
            return new NodeLease(join.Network, node, subnet, join.Underlay, join.VtepMac);
        }
        catch (KubernetesApiException e)
        {
            throw new ClusterStoreException($"kubernetes: cannot join: {e.Message}", e);
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<NodeLease>> WatchAsync(string network, [EnumeratorCancellation] CancellationToken cancel)
    {
        ClaimNetwork(network);
        var snapshots = LatestSnapshots.StreamAsync((writer, token) => ProduceSnapshotsAsync(network, writer, token), _stopping.Token);
        await foreach (var snapshot in snapshots.WithCancellation(cancel))
            yield return snapshot;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _client.Dispose();
        _stopping.Dispose();
    }

    private void ClaimNetwork(string network)
    {
        string? served = Interlocked.CompareExchange(ref _network, network, null);
        if (served is not null && served != network)
        {
            throw new ClusterStoreException(
                $"kubernetes: this backend serves one network (a Node has one podCIDR); it serves {served}, not {network}");
        }
    }

    /// <summary>
    /// LIST, then WATCH from the list's resourceVersion, following bookmarks; a stream the server ends is
    /// resumed from the last resourceVersion seen, and "410 Gone" (that version is no longer kept) means
    /// LIST again. A snapshot is emitted only when the set of leases changed (Node status updates every few
    /// seconds would otherwise repeat it endlessly). Errors keep the last snapshot.
    /// </summary>
    private async Task ProduceSnapshotsAsync(string network, ChannelWriter<IReadOnlyList<NodeLease>> writer, CancellationToken cancel)
    {
        var leases = new Dictionary<string, NodeLease>(StringComparer.Ordinal);
        IReadOnlyList<NodeLease>? emitted = null;
        string? resourceVersion = null;
        TimeSpan delay = TimeSpan.FromMilliseconds(200);
        bool interrupted = false;

        void Emit()
        {
            List<NodeLease> snapshot = leases.Values.OrderBy(l => l.Node, StringComparer.Ordinal).ToList();
            if (emitted is null || !emitted.SequenceEqual(snapshot))
            {
                emitted = snapshot;
                writer.TryWrite(snapshot);
            }
        }

        void Resumed()
        {
            if (interrupted)
            {
                _log.LogInformation("kubernetes: watch of Nodes resumed ({Count} peers)", leases.Count);
                interrupted = false;
            }
        }

        try
        {
            while (!cancel.IsCancellationRequested)
            {
                try
                {
                    if (resourceVersion is null)
                    {
                        NodeList list = await _client.ListNodesAsync(cancel);
                        leases.Clear();
                        foreach (NodeObject node in list.Items ?? [])
                        {
                            RepublishIfLost(node);
                            if (LeaseOf(network, node) is { } lease)
                            {
                                leases[lease.Node] = lease;
                            }
                        }
                        resourceVersion = list.Metadata?.ResourceVersion ?? "0";
                        Emit();
                    }
                    resourceVersion = await FollowAsync(network, resourceVersion, leases, Emit, Resumed, cancel);
                    delay = TimeSpan.FromMilliseconds(200);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    return;
                }
                catch (KubernetesApiException e) when (e.Code == KubernetesApiException.Gone)
                {
                    _log.LogInformation("kubernetes: resourceVersion {Version} is too old; listing Nodes again", resourceVersion);
                    resourceVersion = null;
                }
                catch (Exception e)
                {
                    if (!interrupted)
                    {
                        _log.LogWarning("kubernetes: watch of Nodes interrupted: {Error}; keeping the last membership and retrying", e.Message);
                    }
                    if (e is not ClusterStoreException)
                    {
                        _client.MarkFailure(e.Message);
                    }
                    interrupted = true;
                    await Task.Delay(delay, cancel);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // stopped
        }
        finally
        {
            writer.TryComplete();
        }
    }

    /// <summary>Applies one watch stream's events; the resourceVersion to resume from when the server ends it.</summary>
    private async Task<string> FollowAsync(string network, string resourceVersion, Dictionary<string, NodeLease> leases,
        Action emit, Action opened, CancellationToken cancel)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        idle.CancelAfter(WatchIdleLimit);
        using HttpResponseMessage response = await _client.OpenWatchAsync(resourceVersion, idle.Token);
        opened();
        await using Stream stream = await response.Content.ReadAsStreamAsync(idle.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(idle.Token) is { } line)
        {
            idle.CancelAfter(WatchIdleLimit);
            _client.MarkContact();
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            WatchEventLine change = JsonSerializer.Deserialize(line, KubernetesJsonContext.Default.WatchEventLine)
                ?? throw new JsonException("an empty watch event");
            if (change.Type == "ERROR")
            {
                StatusObject? status = change.Object.Deserialize(KubernetesJsonContext.Default.StatusObject);
                throw new KubernetesApiException(status?.Code ?? 0, $"kubernetes watch: {status?.Reason}: {status?.Message}");
            }
            NodeObject node = change.Object.Deserialize(KubernetesJsonContext.Default.NodeObject)
                ?? throw new JsonException($"a {change.Type} event without an object");
            resourceVersion = node.Metadata?.ResourceVersion ?? resourceVersion;
            string? name = node.Metadata?.Name;
            switch (change.Type)
            {
                case "BOOKMARK":
                    break;
                case "ADDED" or "MODIFIED" when name is not null:
                    RepublishIfLost(node);
                    if (LeaseOf(network, node) is { } lease)
                    {
                        leases[name] = lease;
                    }
                    else
                    {
                        leases.Remove(name);
                    }
                    emit();
                    break;
                case "DELETED" when name is not null:
                    leases.Remove(name);
                    emit();
                    break;
                default:
                    _log.LogWarning("kubernetes: ignoring a watch event of type {Type}", change.Type);
                    break;
            }
        }
        return resourceVersion;
    }

    /// <summary>
    /// When this node's own Node shows up without the annotations it was given (the Node object was
    /// re-created when the kubelet registered again, or someone removed them), publishes them again, so
    /// the peers do not lose this node until particled restarts.
    /// </summary>
    private void RepublishIfLost(NodeObject node)
    {
        Dictionary<string, string>? published = Volatile.Read(ref _published);
        if (published is null || node.Metadata?.Name != _options.NodeName)
        {
            return;
        }
        Dictionary<string, string> current = node.Metadata.Annotations ?? [];
        if (published.All(p => current.TryGetValue(p.Key, out string? value) && value == p.Value)
            || Interlocked.Exchange(ref _republishing, 1) == 1)
        {
            return;
        }
        _log.LogWarning("kubernetes: Node {Node} lost its particle.dev annotations; publishing them again", _options.NodeName);
        _ = Task.Run(async () =>
        {
            try
            {
                await _client.PatchAnnotationsAsync(_options.NodeName, published, _stopping.Token);
            }
            catch (Exception e) when (!_stopping.IsCancellationRequested)
            {
                _log.LogWarning("kubernetes: cannot annotate Node {Node} again: {Error}", _options.NodeName, e.Message);
            }
            catch (OperationCanceledException)
            {
                // shutting down
            }
            finally
            {
                Volatile.Write(ref _republishing, 0);
            }
        });
    }

    private NodeLease? LeaseOf(string network, NodeObject node)
    {
        string? name = node.Metadata?.Name;
        Dictionary<string, string>? annotations = node.Metadata?.Annotations;
        if (name is null || PodCidrOf(node) is not IPNetwork subnet || annotations is null
            || !annotations.TryGetValue(VtepMacAnnotation, out string? macText)
            || !annotations.TryGetValue(UnderlayAnnotation, out string? underlayText))
        {
            return null;   // not (yet) running particled, or no podCIDR assigned
        }
        if (!MacAddress.TryParse(macText, out MacAddress mac) || !IPAddress.TryParse(underlayText, out IPAddress? underlay))
        {
            _log.LogWarning("kubernetes: Node {Node} has an unreadable {MacKey}='{Mac}' or {UnderlayKey}='{Underlay}'",
                name, VtepMacAnnotation, macText, UnderlayAnnotation, underlayText);
            return null;
        }
        return new NodeLease(network, name, subnet, underlay, mac);
    }

    /// <summary>The Node's IPv4 pod CIDR: spec.podCIDRs (dual-stack clusters list both families) or spec.podCIDR.</summary>
    private static IPNetwork? PodCidrOf(NodeObject node)
    {
        IEnumerable<string?> candidates = (node.Spec?.PodCidrs ?? []).Append(node.Spec?.PodCidr);
        foreach (string? text in candidates)
        {
            if (IPNetwork.TryParse(text, out IPNetwork cidr) && cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            {
                return cidr;
            }
        }
        return null;
    }
}
