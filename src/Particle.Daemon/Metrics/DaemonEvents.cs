using Particle.Protocol;

namespace Particle.Daemon.Metrics;

public static class EventKinds
{
    public const string Attachment = "attachment";
    public const string Pool = "pool";
    /// <summary>A network's node side (gateway device, pod routes) repaired by housekeeping.</summary>
    public const string Network = "network";
    public const string Overlay = "overlay";
    public const string Housekeeping = "housekeeping";
}

/// <summary>
/// The most recent events, in memory only, for particlectl events: a fixed ring, so a burst costs no
/// memory growth and old events simply fall out. Each event gets the next sequence number, which a reader
/// passes back (EVENTS since N) to get only what is new.
/// </summary>
public static class DaemonEvents
{
    public const int Capacity = 1024;

    private static readonly Lock Gate = new();
    private static readonly EventInfo?[] Ring = new EventInfo?[Capacity];
    private static long _last;

    public static long LastSequence { get { lock (Gate) return _last; } }

    public static void Record(string kind, string? network, string? subject, string message, bool error = false)
    {
        var entry = new EventInfo
        {
            TimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Kind = kind,
            Network = network,
            Subject = subject,
            Message = message,
            Error = error,
        };
        lock (Gate)
        {
            entry.Sequence = ++_last;
            Ring[entry.Sequence % Capacity] = entry;
        }
    }

    /// <summary>Events after <paramref name="since"/>, oldest first; those already overwritten are gone.</summary>
    public static List<EventInfo> Since(long since)
    {
        lock (Gate)
        {
            long first = Math.Max(Math.Max(since, 0) + 1, _last - Capacity + 1);
            var events = new List<EventInfo>((int)Math.Max(0, _last - first + 1));
            for (long sequence = first; sequence <= _last; sequence++)
                events.Add(Ring[sequence % Capacity]!);
            return events;
        }
    }

    /// <summary>The newest error event of a network, or null.</summary>
    public static EventInfo? LastError(string network)
    {
        lock (Gate)
        {
            for (long sequence = _last; sequence > Math.Max(0, _last - Capacity); sequence--)
            {
                if (Ring[sequence % Capacity] is { Error: true } e && e.Network == network)
                    return e;
            }
            return null;
        }
    }

    /// <summary>The EVENTS verb.</summary>
    public static DaemonResponse Answer(DaemonRequest request)
    {
        long since = Math.Max(request.Since ?? 0, 0);
        // A sequence from before a restart of the daemon: numbering began anew, so every event is new.
        if (since > LastSequence)
            since = 0;
        var events = Since(since);
        return new DaemonResponse { Events = events, LastSequence = events.Count > 0 ? events[^1].Sequence : since };
    }

    /// <summary>Requests that change something are worth an event; read-only ones (STATUS, LIST, ...) are not.</summary>
    internal static void Served(DaemonRequest request, DaemonResponse response, TimeSpan elapsed)
    {
        string? subject = request.Verb switch
        {
            Verbs.Add or Verbs.Del or Verbs.Check => $"{request.ContainerId}/{request.IfName}",
            Verbs.Gc => $"{request.ValidAttachments?.Count ?? 0} valid attachment(s)",
            Verbs.Claim => response.Claim?.Netns,
            Verbs.Release => request.Netns,
            _ => null,
        };
        if (subject is null && request.Verb is not Verbs.Claim)
            return;
        string kind = request.Verb is Verbs.Claim or Verbs.Release ? EventKinds.Pool : EventKinds.Attachment;
        string took = $"{elapsed.TotalMilliseconds:F2} ms";
        Record(kind, request.Network, subject, response.Code == 0
            ? $"{request.Verb} ok ({took})"
            : $"{request.Verb} failed with code {response.Code} ({took}): {response.Message}", response.Code != 0);
    }
}
