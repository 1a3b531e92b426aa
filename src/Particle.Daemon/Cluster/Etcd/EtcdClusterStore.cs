using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Particle.Netlink;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// The cluster store on etcd v3, through its JSON gateway. One lease per node (granted at the first join,
/// renewed every TTL/3) carries one key per joined network:
/// <c>&lt;prefix&gt;/networks/&lt;network&gt;/subnets/10.244.3.0-24 = {"node","underlay","vtepMac"}</c>.
/// A subnet is taken with a transaction that only writes when the key does not exist (or still holds this
/// node's own record at the revision read), so two nodes can never both win it; when the node stops
/// renewing, etcd deletes its keys and every watcher sees the node leave.
/// </summary>
public sealed partial class EtcdClusterStore : IClusterStore
{
    /// <summary>Rounds of (read the network, try candidates) before a join gives up under contention.</summary>
    private const int MaxJoinRounds = 8;

    /// <summary>Failed transactions within one round before the network is read again.</summary>
    private const int MaxTriesPerRound = 16;

    private readonly EtcdStoreOptions _options;
    private readonly ILogger _log;
    private readonly EtcdClient _client;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _leaseLock = new(1, 1);
    private readonly Dictionary<string, Membership> _joined = new(StringComparer.Ordinal);   // under _leaseLock
    private long _lease;
    private long _renewedTicks;   // when the lease was last granted or renewed (monotonic), 0 before
    private Task? _keepAlive;
    private string? _problem;

    public EtcdClusterStore(EtcdStoreOptions options, ILogger log)
        : this(options, log, EtcdClient.DefaultHandler())
    {
    }

    /// <summary>
    /// With a handler of the caller's (tests connect through sockets made inside a namespace); its TLS options are
    /// set here. Reads the TLS and password files and throws <see cref="ClusterStoreException"/> when they cannot be used.
    /// </summary>
    public EtcdClusterStore(EtcdStoreOptions options, ILogger log, SocketsHttpHandler handler)
    {
        options.Validate();
        _options = options;
        _log = log;
        _client = new EtcdClient(options, handler, log);
    }

    public ClusterStoreHealth Health
    {
        get
        {
            ClusterStoreHealth health = _client.Health;
            string? problem = Volatile.Read(ref _problem);
            string? leaseProblem = problem ?? LeaseProblem(health);
            return problem is null && leaseProblem is null ? health : health with { LastError = problem ?? health.LastError, LeaseProblem = leaseProblem };
        }
    }

    /// <summary>
    /// The lease is lost to this node once it went unrenewed for its whole TTL: etcd has (or will have) deleted its
    /// keys and the peers drop its routes. Until then an unreachable etcd costs nothing, and the node stays ready.
    /// </summary>
    private string? LeaseProblem(ClusterStoreHealth health)
    {
        long renewed = Interlocked.Read(ref _renewedTicks);
        if (renewed == 0)
        {
            return null;   // not joined yet: start-up reports that itself
        }
        TimeSpan since = TimeSpan.FromTicks(Environment.TickCount64 * TimeSpan.TicksPerMillisecond - renewed);
        return since <= _options.LeaseTtl ? null
            : $"the etcd lease cannot be kept: not renewed for {since.TotalSeconds:0} s (TTL {_options.LeaseTtl.TotalSeconds:0} s): {health.LastError ?? "no answer"}";
    }

    private void MarkRenewed() => Interlocked.Exchange(ref _renewedTicks, Environment.TickCount64 * TimeSpan.TicksPerMillisecond);

    /// <summary>This node's current etcd lease (0 before the first join); tests revoke it to simulate expiry.</summary>
    internal long LeaseId => Interlocked.Read(ref _lease);

    public async Task<NodeLease> JoinAsync(ClusterJoin join, CancellationToken cancel)
    {
        if (string.IsNullOrWhiteSpace(join.Node))
        {
            throw new ClusterStoreException($"network {join.Network}: the node name is empty");
        }
        var plan = new SubnetPlan(_options.Prefix, join.Network, join.ClusterCidr, join.NodeSubnetLength);
        byte[] value = EtcdClient.Serialize(
            new SubnetRecord(join.Node, join.Underlay.ToString(), join.VtepMac.ToString()), EtcdJsonContext.Default.SubnetRecord);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stopping.Token);
        await _leaseLock.WaitAsync(linked.Token);
        try
        {
            for (int round = 0; round < MaxJoinRounds; round++)
            {
                long lease = await EnsureLeaseAsync(linked.Token);
                try
                {
                    IPNetwork? subnet = await TakeSubnetAsync(plan, join, value, lease, linked.Token);
                    if (subnet is not IPNetwork taken)
                    {
                        continue;   // others won every subnet tried: read the network again
                    }
                    _joined[join.Network] = new Membership(plan, join.Node, taken, value);
                    _keepAlive ??= Task.Run(() => KeepAliveLoopAsync(_stopping.Token));
                    _log.LogInformation("etcd: node {Node} holds {Subnet} in network {Network} (lease {Lease:x})",
                        join.Node, taken, join.Network, lease);
                    return new NodeLease(join.Network, join.Node, taken, join.Underlay, join.VtepMac);
                }
                catch (EtcdRequestException e) when (e.Code == EtcdRequestException.NotFound)
                {
                    // The lease expired before this write: the other networks' keys went with it. Take a new
                    // lease, publish those again, then try this join again.
                    _log.LogWarning("etcd: lease {Lease:x} vanished during a join ({Error}); taking a new one", lease, e.Message);
                    await ReplaceLeaseAsync(linked.Token);
                }
            }
            throw new ClusterStoreException(
                $"network {join.Network}: no subnet could be taken after {MaxJoinRounds} rounds; other nodes kept taking the ones tried");
        }
        catch (EtcdUnavailableException e)
        {
            throw new ClusterStoreException($"network {join.Network}: cannot join: {e.Message}", e);
        }
        catch (EtcdRequestException e)
        {
            throw new ClusterStoreException($"network {join.Network}: cannot join: {e.Message}", e);
        }
        finally
        {
            _leaseLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The lease is left to expire rather than revoked: a daemon restart (an upgrade) must not make the
        // peers drop their routes to this node's pods, which keep running meanwhile.
        await _stopping.CancelAsync();
        if (_keepAlive is not null)
        {
            await _keepAlive;
        }
        _client.Dispose();
        _stopping.Dispose();
        _leaseLock.Dispose();
    }

    /// <summary>
    /// One round: reads the network's subnet keys, then tries, in order, the subnet held before the restart,
    /// any subnet still carrying this node's name, and free ones. Null when every try lost a race.
    /// </summary>
    private async Task<IPNetwork?> TakeSubnetAsync(SubnetPlan plan, ClusterJoin join, byte[] value, long lease, CancellationToken cancel)
    {
        byte[] prefix = EtcdClient.Utf8(plan.KeyPrefix);
        RangeResponse range = await _client.RangeAsync(prefix, SubnetPlan.PrefixRangeEnd(prefix), cancel);
        var held = new Dictionary<IPNetwork, (KeyValue Kv, SubnetRecord? Record)>();
        foreach (KeyValue kv in range.Kvs ?? [])
        {
            string key = Encoding.UTF8.GetString(kv.Key);
            if (SubnetPlan.ParseKey(plan.KeyPrefix, key) is not IPNetwork subnet || !plan.Contains(subnet))
            {
                _log.LogWarning("etcd: ignoring key {Key}: not a /{Length} subnet of {Cidr}", key, plan.SubnetLength, plan.ClusterCidr);
                continue;
            }
            held[subnet] = (kv, ReadRecord(kv));
        }
        List<IPNetwork> mine = held.Where(h => h.Value.Record?.Node == join.Node).Select(h => h.Key)
            .OrderBy(s => s.ToString(), StringComparer.Ordinal).ToList();

        var candidates = new List<IPNetwork>();
        if (join.PreviousSubnet is IPNetwork previous && plan.Contains(previous)
            && (!held.ContainsKey(previous) || mine.Contains(previous)))
        {
            candidates.Add(previous);
        }
        candidates.AddRange(mine.Where(s => !candidates.Contains(s)));
        IEnumerable<IPNetwork> free = plan.FreeCandidates(join.Node, join.Network, held.Keys.ToHashSet());

        int tries = 0;
        foreach (IPNetwork candidate in candidates.Concat(free))
        {
            KeyValue? current = held.TryGetValue(candidate, out var h) ? h.Kv : null;
            if (await TryWriteAsync(plan.Key(candidate), current, value, lease, cancel))
            {
                foreach (IPNetwork leftover in mine.Where(s => s != candidate))
                {
                    await GiveBackAsync(plan.Key(leftover), held[leftover].Kv, cancel);
                }
                return candidate;
            }
            if (++tries >= MaxTriesPerRound)
            {
                return null;
            }
        }
        if (tries > 0)
        {
            return null;
        }
        throw new ClusterStoreException(
            $"network {join.Network}: cluster CIDR {plan.ClusterCidr} is exhausted: all {plan.Count} /{plan.SubnetLength} " +
            $"node subnets are held by other nodes ({string.Join(", ", held.Values.Select(v => v.Record?.Node ?? "?").Distinct().Take(8))}" +
            $"{(held.Count > 8 ? ", ..." : "")})");
    }

    /// <summary>
    /// Writes this node's record under key with the lease, only if the key is still as read: absent
    /// (create revision 0) or unchanged since <paramref name="current"/> (same mod revision).
    /// </summary>
    private async Task<bool> TryWriteAsync(string key, KeyValue? current, byte[] value, long lease, CancellationToken cancel)
    {
        byte[] keyBytes = EtcdClient.Utf8(key);
        Compare compare = current is null
            ? new Compare("EQUAL", "CREATE", keyBytes) { CreateRevision = 0 }
            : new Compare("EQUAL", "MOD", keyBytes) { ModRevision = current.ModRevision };
        TxnResponse response = await _client.TxnAsync(new TxnRequest(
            [compare], [new RequestOp { Put = new PutRequest(keyBytes, value, lease) }], []), cancel);
        return response.Succeeded;
    }

    private async Task GiveBackAsync(string key, KeyValue current, CancellationToken cancel)
    {
        byte[] keyBytes = EtcdClient.Utf8(key);
        await _client.TxnAsync(new TxnRequest(
            [new Compare("EQUAL", "MOD", keyBytes) { ModRevision = current.ModRevision }],
            [new RequestOp { DeleteRange = new DeleteRangeRequest(keyBytes) }], []), cancel);
        _log.LogInformation("etcd: gave back {Key}, held by this node from before", key);
    }

    private async Task<long> EnsureLeaseAsync(CancellationToken cancel)
    {
        long lease = Interlocked.Read(ref _lease);
        if (lease != 0)
        {
            return lease;
        }
        lease = await _client.GrantLeaseAsync(_options.LeaseTtl, cancel);
        Interlocked.Exchange(ref _lease, lease);
        MarkRenewed();
        _log.LogInformation("etcd: lease {Lease:x} granted, TTL {Ttl} s", lease, _options.LeaseTtl.TotalSeconds);
        return lease;
    }

    /// <summary>Renews the lease every TTL/3 (every second while etcd is away, to catch it before expiry).</summary>
    private async Task KeepAliveLoopAsync(CancellationToken stop)
    {
        TimeSpan interval = _options.LeaseTtl / 3;
        TimeSpan retry = TimeSpan.FromSeconds(Math.Min(1, interval.TotalSeconds));
        bool away = false;
        bool lost = false;
        string? lastError = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(away ? retry : interval, stop);
                // The certificate, key and CA files are watched from here (hashed; parsed only when changed).
                _client.RefreshCredentials();
                long lease = Interlocked.Read(ref _lease);
                long ttl = lease == 0 ? 0 : await _client.KeepAliveOnceAsync(lease, stop);
                if (ttl <= 0)
                {
                    _log.LogWarning("etcd: lease {Lease:x} has expired; taking a new one and publishing this node's subnets again", lease);
                    await RecoverLeaseAsync(stop);
                }
                else
                {
                    MarkRenewed();
                }
                if (away)
                {
                    _log.LogInformation("etcd: reachable again; lease renewed");
                }
                away = lost = false;
                lastError = null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Once per cause: a TLS or password problem that follows an outage is news, its repetition is not.
                if (e.Message != lastError)
                {
                    _log.LogWarning("etcd: cannot renew the lease: {Error}; retrying every {Retry} s", e.Message, retry.TotalSeconds);
                    lastError = e.Message;
                }
                away = true;
                if (!lost && Health.LeaseProblem is { } problem)
                {
                    _log.LogError("etcd: {Problem}; peers drop this node's routes until it is renewed, and /readyz reports not ready. " +
                        "Pods on this node keep their addresses", problem);
                    lost = true;
                }
            }
        }
    }

    /// <summary>After the lease expired (etcd deleted this node's keys): a new lease, and every subnet written again.</summary>
    private async Task RecoverLeaseAsync(CancellationToken cancel)
    {
        await _leaseLock.WaitAsync(cancel);
        try
        {
            await ReplaceLeaseAsync(cancel);
        }
        finally
        {
            _leaseLock.Release();
        }
    }

    /// <summary>Under <see cref="_leaseLock"/>: a new lease, and every subnet this node holds written again under it.</summary>
    private async Task ReplaceLeaseAsync(CancellationToken cancel)
    {
        Interlocked.Exchange(ref _lease, 0);
        long lease = await EnsureLeaseAsync(cancel);
        string? problem = null;
        foreach ((string network, Membership membership) in _joined)
        {
            string key = membership.Plan.Key(membership.Subnet);
            RangeResponse range = await _client.RangeAsync(EtcdClient.Utf8(key), null, cancel);
            KeyValue? current = range.Kvs is [KeyValue kv, ..] ? kv : null;
            string? holder = current is null ? null : ReadRecord(current)?.Node;
            if ((current is null || holder == membership.Node)
                && await TryWriteAsync(key, current, membership.Value, lease, cancel))
            {
                _log.LogInformation("etcd: {Subnet} of network {Network} published again under lease {Lease:x}",
                    membership.Subnet, network, lease);
                continue;
            }
            // Another node took the subnet while this one was cut off. Both now route the same pods'
            // addresses; only a restart (which picks a new subnet) resolves it, so say so loudly.
            problem = $"network {network}: subnet {membership.Subnet} was taken by node {holder ?? "?"} while this node's lease had expired; restart particled";
            _log.LogError("etcd: {Problem}", problem);
        }
        Volatile.Write(ref _problem, problem);
    }

    private SubnetRecord? ReadRecord(KeyValue kv)
    {
        try
        {
            return kv.Value is { Length: > 0 } value ? JsonSerializer.Deserialize(value, EtcdJsonContext.Default.SubnetRecord) : null;
        }
        catch (JsonException e)
        {
            _log.LogWarning("etcd: key {Key} holds no subnet record: {Error}", Encoding.UTF8.GetString(kv.Key), e.Message);
            return null;
        }
    }

    private NodeLease? ToLease(string network, string keyPrefix, KeyValue kv)
    {
        if (SubnetPlan.ParseKey(keyPrefix, Encoding.UTF8.GetString(kv.Key)) is not IPNetwork subnet
            || ReadRecord(kv) is not SubnetRecord record)
        {
            return null;
        }
        if (!IPAddress.TryParse(record.Underlay, out IPAddress? underlay) || !MacAddress.TryParse(record.VtepMac, out MacAddress mac))
        {
            _log.LogWarning("etcd: key {Key} has an unreadable underlay '{Underlay}' or VTEP MAC '{Mac}'",
                Encoding.UTF8.GetString(kv.Key), record.Underlay, record.VtepMac);
            return null;
        }
        return new NodeLease(network, record.Node, subnet, underlay, mac);
    }

    private sealed record Membership(SubnetPlan Plan, string Node, IPNetwork Subnet, byte[] Value);
}
