namespace Particle.Protocol;

/// <summary>One entry of particled's recent-events ring (pool refills, bridge repairs, attachments, overlay).</summary>
public sealed class EventInfo
{
    /// <summary>Increases by one per event, across kinds, from the daemon's start.</summary>
    public long Sequence { get; set; }
    public long TimeUnixMs { get; set; }
    /// <summary>attachment, pool, bridge, overlay, netlink.</summary>
    public string Kind { get; set; } = "";
    public string? Network { get; set; }
    /// <summary>What the event is about: an attachment key, a namespace path, a node.</summary>
    public string? Subject { get; set; }
    public string Message { get; set; } = "";
    public bool Error { get; set; }
}
