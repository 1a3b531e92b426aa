namespace Particle.Protocol;

/// <summary>One request from the plugin (or particlectl) to particled over the node's unix socket.</summary>
public sealed class DaemonRequest
{
    /// <summary>One of <see cref="Verbs"/>.</summary>
    public string Verb { get; set; } = "";
    /// <summary>The CNI network name: it selects the network in the daemon's node config.</summary>
    public string Network { get; set; } = "";
    public string? ContainerId { get; set; }
    public string? IfName { get; set; }
    /// <summary>CNI_NETNS as the runtime gave it; may be empty on DEL.</summary>
    public string? Netns { get; set; }
    /// <summary>CNI_ARGS as parsed key/value pairs (K8S_POD_NAME and friends), for logs and records.</summary>
    public Dictionary<string, string>? Args { get; set; }
    /// <summary>CHECK: the addresses the runtime believes the attachment holds (from prevResult).</summary>
    public List<string>? ExpectedAddresses { get; set; }
    /// <summary>GC: the attachments that stay; everything else of the network is released.</summary>
    public List<AttachmentKey>? ValidAttachments { get; set; }
    /// <summary>EVENTS: only events with a sequence number above this one (0 or absent: every event still held).</summary>
    public long? Since { get; set; }
}

public static class Verbs
{
    public const string Add = "ADD";
    public const string Del = "DEL";
    public const string Check = "CHECK";
    public const string Status = "STATUS";
    public const string Gc = "GC";
    /// <summary>Not a CNI verb: the daemon's allocations, for operators and tests (particlectl).</summary>
    public const string List = "LIST";
    /// <summary>Not a CNI verb: hand out a pre-wired pooled namespace of <c>Network</c> (particlectl claim).</summary>
    public const string Claim = "CLAIM";
    /// <summary>Not a CNI verb: give back the claimed namespace at <c>Netns</c>; it is destroyed and replaced.</summary>
    public const string Release = "RELEASE";
    /// <summary>Not a CNI verb: per-network address and namespace-pool figures (particlectl status).</summary>
    public const string NodeStatus = "NODESTATUS";
    /// <summary>Not a CNI verb: recent pool, overlay and attachment events after <c>Since</c> (particlectl events).</summary>
    public const string Events = "EVENTS";
}

public sealed class AttachmentKey
{
    public string ContainerId { get; set; } = "";
    public string IfName { get; set; } = "";
}
