using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Daemon.Metrics;
using Particle.Daemon.Kernel;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Pool;

/// <summary>
/// The endpoint pool of one network: addresses reserved and durably journaled ahead of CNI ADDs, under
/// particled's own attachment ids (<c>_endpoint-&lt;n&gt;/eth0</c>). An ADD takes one, does only the kernel
/// work that needs the pod's namespace, and hands the address to its CNI key with a journal write that
/// needs no fsync (<see cref="IpamStore.Rebind"/>). Why the pool holds no pre-created veths is measured in
/// docs/performance.md: moving a device into the pod's namespace costs ~20 ms, creating the pair with its
/// peer in that namespace ~1 ms.
/// Policy: <see cref="EndpointPoolSettings.Target"/> entries kept free; a burst that empties the pool
/// doubles the working target up to <see cref="EndpointPoolSettings.Max"/>; after
/// <see cref="EndpointPoolSettings.IdleShrink"/> without an ADD the pool gives back entries down to
/// <see cref="EndpointPoolSettings.Min"/>. Refills come in batches of RefillBatch, one fsync each.
/// </summary>
public sealed class EndpointPool
{
    public const string ContainerIdPrefix = "_endpoint-";
    public const string IfName = "eth0";
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly NetworkDefinition _network;
    private readonly IpamStore _ipam;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private readonly Stack<Allocation> _free = new();
    private readonly SemaphoreSlim _wake = new(0);
    private long _nextIndex;
    private int _workingTarget;
    private int _filling;
    private long _lastTakeTicks = Environment.TickCount64;
    private long _taken, _emptyFallbacks, _refilled, _released, _refillRounds;
    private double _refillPerSecond;
    private string? _lastError;

    public EndpointPool(NetworkDefinition network, IpamStore ipam, ILogger log)
    {
        _network = network;
        _ipam = ipam;
        _log = log;
        _workingTarget = network.EndpointPool.Target;
    }

    public EndpointPoolSettings Settings => _network.EndpointPool;

    /// <summary>Whether an allocation is a pool entry: a container id no runtime can send (CNI ids start alphanumeric).</summary>
    public static bool IsEntry(AttachmentId id) => id.ContainerId.StartsWith(ContainerIdPrefix, StringComparison.Ordinal);

    public int Free
    {
        get
        {
            lock (_gate)
                return _free.Count;
        }
    }

    /// <summary>
    /// Start-up: adopts the entries the journal holds (kernel and journal agree when no device carries an
    /// entry's host name: entries own no device), up to the working target; releases the rest, and all of
    /// them when the pool is off. Runs after the attachments' recovery.
    /// </summary>
    public void Recover(IPodDataPlane dataPlane, IReadOnlyList<Link> links)
    {
        var names = links.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        int adopted = 0, dropped = 0;
        foreach (var entry in _ipam.List(_network.Name).Where(a => IsEntry(a.Id)).OrderBy(a => a.Id.ContainerId, StringComparer.Ordinal))
        {
            if (long.TryParse(entry.Id.ContainerId.AsSpan(ContainerIdPrefix.Length), System.Globalization.CultureInfo.InvariantCulture, out long index))
                _nextIndex = Math.Max(_nextIndex, index + 1);
            string hostName = HostVethName.For(entry.Id);
            bool consistent = entry.Committed && !names.Contains(hostName) && entry.Id.IfName == IfName;
            if (consistent && _free.Count < Settings.Max)
            {
                _free.Push(entry);
                adopted++;
                continue;
            }
            if (names.Contains(hostName))
                dataPlane.Remove(hostName);
            _ipam.Release(entry);
            dropped++;
        }
        if (adopted + dropped > 0 || Settings.Enabled)
            _log.LogInformation("endpoint pool {Network}: adopted {Adopted} entr(ies), released {Dropped}", _network.Name, adopted, dropped);
    }

    /// <summary>A free entry for an ADD, or null (the ADD takes the cold path; the filler is told to grow).</summary>
    public Allocation? Take()
    {
        if (!Settings.Enabled)
            return null;
        Allocation? entry = null;
        lock (_gate)
        {
            _lastTakeTicks = Environment.TickCount64;
            if (_workingTarget < Settings.Target)
                _workingTarget = Settings.Target;
            if (_free.Count > 0)
            {
                entry = _free.Pop();
                _taken++;
            }
            else
            {
                _emptyFallbacks++;
                _workingTarget = Math.Min(Settings.Max, Math.Max(Settings.Target, _workingTarget * 2));
            }
        }
        _wake.Release();
        return entry;
    }

    /// <summary>An entry whose ADD failed before its address changed hands goes back.</summary>
    public void Return(Allocation entry)
    {
        lock (_gate)
        {
            _taken--;
            _free.Push(entry);
        }
    }

    public EndpointPoolStatusInfo Status()
    {
        lock (_gate)
        {
            return new EndpointPoolStatusInfo
            {
                Free = _free.Count,
                Target = _workingTarget,
                ConfiguredTarget = Settings.Target,
                Min = Settings.Min,
                Max = Settings.Max,
                Filling = _filling,
                Taken = _taken,
                EmptyFallbacks = _emptyFallbacks,
                Refilled = _refilled,
                RefillRounds = _refillRounds,
                RefillPerSecond = Math.Round(_refillPerSecond, 1),
                Released = _released,
                LastError = _lastError,
            };
        }
    }

    /// <summary>The background filler (and idle shrinker); runs until <paramref name="stop"/>.</summary>
    public async Task FillAsync(CancellationToken stop)
    {
        if (!Settings.Enabled)
            return;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                ShrinkWhenIdle();
                int missing;
                lock (_gate)
                    missing = _workingTarget - _free.Count;
                if (missing <= 0)
                {
                    // Woken by every take; otherwise looks again in a while for the idle shrink.
                    await _wake.WaitAsync(IdleCheckPeriod(), stop);
                    continue;
                }
                try
                {
                    await RefillAsync(Math.Min(missing, Settings.RefillBatch));
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    lock (_gate)
                        _lastError = $"{DateTimeOffset.UtcNow:O} {e.Message}";
                    _log.LogWarning("endpoint pool {Network}: refill failed, retrying in {Delay}: {Error}", _network.Name, RetryDelay, e.Message);
                    await Task.Delay(RetryDelay, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RefillAsync(int count)
    {
        long started = Stopwatch.GetTimestamp();
        var batch = new List<Allocation>(count);
        for (int i = 0; i < count; i++)
        {
            long index = Interlocked.Increment(ref _nextIndex) - 1;
            var id = new AttachmentId(_network.Name, ContainerIdPrefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture), IfName);
            var allocation = _ipam.Reserve(id, netns: null);
            if (allocation is null)
                break;
            batch.Add(allocation);
        }
        if (batch.Count == 0)
        {
            lock (_gate)
            {
                // The range is full: stop asking until an ADD takes an entry or addresses come back.
                _workingTarget = _free.Count;
                _lastError = $"{DateTimeOffset.UtcNow:O} network \"{_network.Name}\" has no free address for the endpoint pool";
            }
            return;
        }
        lock (_gate)
            _filling = batch.Count;
        try
        {
            await _ipam.CommitManyAsync(batch);
        }
        catch (Exception e)
        {
            batch.ForEach(a => _ipam.Release(a));
            PoolMetrics.Refilled(_network.Name, PoolKinds.Endpoint, batch.Count, Stopwatch.GetElapsedTime(started), e);
            throw;
        }
        finally
        {
            lock (_gate)
                _filling = 0;
        }
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        PoolMetrics.Refilled(_network.Name, PoolKinds.Endpoint, batch.Count, TimeSpan.FromSeconds(seconds), null);
        lock (_gate)
        {
            foreach (var allocation in batch)
                _free.Push(allocation);
            _refilled += batch.Count;
            _refillRounds++;
            _refillPerSecond = batch.Count / Math.Max(seconds, 1e-6);
        }
    }

    private void ShrinkWhenIdle()
    {
        if (Settings.IdleShrink <= TimeSpan.Zero)
            return;
        var extra = new List<Allocation>();
        lock (_gate)
        {
            if (Environment.TickCount64 - _lastTakeTicks < (long)Settings.IdleShrink.TotalMilliseconds || _free.Count <= Settings.Min)
                return;
            _workingTarget = Settings.Min;
            while (_free.Count > Settings.Min)
                extra.Add(_free.Pop());
            _released += extra.Count;
        }
        foreach (var allocation in extra)
            _ipam.Release(allocation);
        _log.LogInformation("endpoint pool {Network}: idle for {Idle}, gave back {Count} entr(ies)", _network.Name, Settings.IdleShrink, extra.Count);
    }

    private TimeSpan IdleCheckPeriod() => Settings.IdleShrink > TimeSpan.Zero
        ? TimeSpan.FromMilliseconds(Math.Clamp(Settings.IdleShrink.TotalMilliseconds / 4, 100, 30_000))
        : Timeout.InfiniteTimeSpan;
}
