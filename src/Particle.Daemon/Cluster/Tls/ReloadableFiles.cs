using Microsoft.Extensions.Logging;

namespace Particle.Daemon.Cluster.Tls;

/// <summary>
/// Credentials read from files (a CA bundle; a certificate with its key) that are read again when the files
/// change, so a rotation needs no restart. A replacement that cannot be used (unreadable, not PEM, a key that
/// does not match, a key others can read, a certificate outside its validity) leaves the previous credentials
/// in place, and both outcomes are logged naming the changed file. The files are looked at (hashed, see
/// <see cref="FileStamp"/>) at most once a second, whenever the client is about to use them.
/// </summary>
internal sealed class ReloadableFiles<T> where T : class
{
    private const long CheckIntervalMs = 1000;

    /// <summary>How long a replacement that cannot be used must stay unchanged before it is reported and given up.</summary>
    private const long SettleMs = 2000;

    private readonly string _what;
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly Func<T, string> _describe;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private FileStamp[] _stamps;
    private FileStamp[]? _refused;
    private (FileStamp[] Stamps, long Since)? _pending;
    private T _current;
    private long _nextCheck;

    /// <summary>Reads the files now; throws <see cref="ClusterStoreException"/> when they cannot be used.</summary>
    /// <param name="what">For log lines, e.g. "etcd: client certificate".</param>
    public ReloadableFiles(string what, string[] paths, Func<T> load, Func<T, string> describe, ILogger log)
    {
        _what = what;
        _paths = paths;
        _load = load;
        _describe = describe;
        _log = log;
        _stamps = Stamps();
        _current = load();
        _nextCheck = Environment.TickCount64 + CheckIntervalMs;
    }

    /// <summary>The credentials in use, after a look at the files if the last one is more than a second old.</summary>
    public T Current
    {
        get
        {
            if (Environment.TickCount64 >= Volatile.Read(ref _nextCheck))
            {
                Refresh();
            }
            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Reads the files again if any changed since they were last read; true when new credentials are in use.</summary>
    public bool Refresh()
    {
        lock (_gate)
        {
            Volatile.Write(ref _nextCheck, Environment.TickCount64 + CheckIntervalMs);
            FileStamp[] now = Stamps();
            if (now.SequenceEqual(_stamps) || (_refused is not null && now.SequenceEqual(_refused)))
            {
                return false;
            }
            string changed = string.Join(" and ", _paths.Where((_, i) => now[i] != _stamps[i]));
            try
            {
                T fresh = _load();
                _stamps = now;
                _refused = null;
                _pending = null;
                Volatile.Write(ref _current, fresh);
                _log.LogInformation("{What}: {Changed} changed; now using {Description}", _what, changed, _describe(fresh));
                return true;
            }
            catch (ClusterStoreException e)
            {
                // A certificate and its key are two files, replaced one after the other: the first sight of a
                // replacement may be half of it. It is tried again until it has stood unchanged for a while.
                if (_pending is not { } pending || !pending.Stamps.SequenceEqual(now))
                {
                    _pending = (now, Environment.TickCount64);
                    return false;
                }
                if (Environment.TickCount64 - pending.Since < SettleMs)
                {
                    return false;
                }
                // Logged once per replacement: the next change of the files is tried again.
                _pending = null;
                _refused = now;
                _log.LogError("{What}: {Changed} changed but cannot be used: {Error}; keeping the previous {Description}",
                    _what, changed, e.Message, _describe(_current));
                return false;
            }
        }
    }

    private FileStamp[] Stamps() => _paths.Select(FileStamp.Of).ToArray();
}
