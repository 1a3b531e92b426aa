using System.Net;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Ipam;

/// <summary>
/// Every address allocation of the node, in memory, backed by the journal. Keyed by attachment, so an
/// attachment holds at most one address per network and an address is held by at most one attachment.
/// </summary>
public sealed class IpamStore : IDisposable
{
    /// <summary>The journal is rewritten to its live records once this many have been appended.</summary>
    private const int RewriteThreshold = 20_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<AttachmentId, Allocation> _allocations = [];
    private readonly Dictionary<string, AddressPool> _pools;
    private readonly AllocationJournal _journal;

    private IpamStore(IReadOnlyDictionary<string, NetworkDefinition> networks, AllocationJournal journal)
    {
        _pools = networks.ToDictionary(n => n.Key, n => new AddressPool(n.Value), StringComparer.Ordinal);
        _journal = journal;
    }

    /// <summary>Journal lines that could not be used on opening: unreadable, or for an unknown network or address.</summary>
    public IReadOnlyList<string> RecoveryWarnings => _recoveryWarnings;

    private readonly List<string> _recoveryWarnings = [];

    public static IpamStore Open(string journalPath, IReadOnlyDictionary<string, NetworkDefinition> networks)
    {
        var journal = AllocationJournal.Open(journalPath, out var records, out int skipped);
        var store = new IpamStore(networks, journal);
        if (skipped > 0)
            store._recoveryWarnings.Add($"{skipped} unreadable line(s) in {journalPath} were skipped");
        store.Replay(records);
        return store;
    }

    private void Replay(List<JournalRecord> records)
    {
        var live = new Dictionary<AttachmentId, JournalRecord>();
        foreach (var record in records)
        {
            var id = new AttachmentId(record.Network, record.ContainerId, record.IfName);
            if (record.Op == JournalRecord.AddOp)
                live[id] = record;
            else
                live.Remove(id);
        }
        foreach (var (id, record) in live)
        {
            if (!_pools.TryGetValue(id.Network, out var pool))
                _recoveryWarnings.Add($"allocation {id} {record.Address} belongs to network \"{id.Network}\", which is no longer configured; dropped");
            else if (!IPAddress.TryParse(record.Address, out var address) || !pool.TryMark(address))
                _recoveryWarnings.Add($"allocation {id} {record.Address} is outside the configured range or held twice; dropped");
            else
                _allocations[id] = new Allocation(id, address, record.Netns,
                    DateTimeOffset.FromUnixTimeMilliseconds(record.UnixMs)) { Committed = true };
        }
    }

    public bool HasNetwork(string network) => _pools.ContainsKey(network);

    public Allocation? Find(AttachmentId id)
    {
        lock (_gate)
            return _allocations.GetValueOrDefault(id);
    }

    public IReadOnlyList<Allocation> List(string? network = null)
    {
        lock (_gate)
            return _allocations.Values.Where(a => network is null || a.Id.Network == network).ToList();
    }

    public (long Capacity, long InUse) Usage(string network)
    {
        lock (_gate)
        {
            var pool = _pools[network];
            return (pool.Capacity, pool.InUse);
        }
    }

    /// <summary>Takes a free address for <paramref name="id"/>; null when the network has none left.</summary>
    public Allocation? Reserve(AttachmentId id, string? netns)
    {
        lock (_gate)
        {
            if (_allocations.ContainsKey(id))
                throw new InvalidOperationException($"{id} already holds an address");
            if (!_pools[id.Network].TryTake(out var address))
                return null;
            var allocation = new Allocation(id, address, netns, DateTimeOffset.UtcNow);
            _allocations[id] = allocation;
            return allocation;
        }
    }

    /// <summary>Makes a reservation durable; when the task completes, a crash no longer loses it.</summary>
    public Task CommitAsync(Allocation allocation)
    {
        lock (_gate)
        {
            if (_allocations.GetValueOrDefault(allocation.Id) != allocation)
                throw new InvalidOperationException($"{allocation.Id} was released before it was committed");
            allocation.Committed = true;
            _journal.Append(ToRecord(JournalRecord.AddOp, allocation));
        }
        return _journal.FlushAsync();
    }

    /// <summary>Makes several reservations durable with one fsync (an endpoint pool's refill batch).</summary>
    public Task CommitManyAsync(IReadOnlyList<Allocation> allocations)
    {
        lock (_gate)
        {
            foreach (var allocation in allocations)
            {
                if (_allocations.GetValueOrDefault(allocation.Id) != allocation)
                    throw new InvalidOperationException($"{allocation.Id} was released before it was committed");
                allocation.Committed = true;
                _journal.Append(ToRecord(JournalRecord.AddOp, allocation));
            }
        }
        return _journal.FlushAsync();
    }

    /// <summary>
    /// Hands the committed address of <paramref name="entry"/> (an endpoint pool's) to <paramref name="id"/>:
    /// the release of the entry and the new allocation go to the journal in one write, without waiting for
    /// an fsync. That is enough: the write is in the kernel's page cache when this returns, so a crash of
    /// the daemon keeps it; a crash of the machine loses it only together with every veth and namespace it
    /// could describe, and recovery releases an address whose interface is gone (docs/performance.md).
    /// </summary>
    public Allocation Rebind(Allocation entry, AttachmentId id, string? netns)
    {
        lock (_gate)
        {
            if (_allocations.GetValueOrDefault(entry.Id) != entry || !entry.Committed)
                throw new InvalidOperationException($"{entry.Id} is not a committed allocation");
            if (_allocations.ContainsKey(id))
                throw new InvalidOperationException($"{id} already holds an address");
            var allocation = new Allocation(id, entry.Address, netns, DateTimeOffset.UtcNow) { Committed = true };
            _allocations.Remove(entry.Id);
            _allocations[id] = allocation;
            _journal.Append(ToRecord(JournalRecord.DelOp, entry), ToRecord(JournalRecord.AddOp, allocation));
            return allocation;
        }
    }

    /// <summary>
    /// Gives the address back. The release is journaled but not waited for: if it is lost in a crash,
    /// recovery finds the attachment's interface gone and releases the address again.
    /// </summary>
    public bool Release(Allocation allocation)
    {
        lock (_gate)
        {
            if (_allocations.GetValueOrDefault(allocation.Id) != allocation)
                return false;
            _allocations.Remove(allocation.Id);
            _pools[allocation.Id.Network].Return(allocation.Address);
            if (allocation.Committed)
                _journal.Append(ToRecord(JournalRecord.DelOp, allocation));
            if (_journal.RecordsSinceRewrite > RewriteThreshold)
                RewriteJournal();
            return true;
        }
    }

    /// <summary>Rewrites the journal to the committed allocations alone (after recovery, or when it grew).</summary>
    public void Compact()
    {
        lock (_gate)
            RewriteJournal();
    }

    public void Dispose() => _journal.Dispose();

    private void RewriteJournal() =>
        _journal.Rewrite(_allocations.Values.Where(a => a.Committed).Select(a => ToRecord(JournalRecord.AddOp, a)).ToList());

    private static JournalRecord ToRecord(string op, Allocation a) => new()
    {
        Op = op,
        Network = a.Id.Network,
        ContainerId = a.Id.ContainerId,
        IfName = a.Id.IfName,
        Address = a.Address.ToString(),
        Netns = op == JournalRecord.AddOp ? a.Netns : null,
        UnixMs = op == JournalRecord.AddOp ? a.CreatedAt.ToUnixTimeMilliseconds() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };
}
