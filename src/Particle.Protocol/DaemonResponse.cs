namespace Particle.Protocol;

/// <summary>The daemon's answer: a result, or a CNI error (code, message, details).</summary>
public sealed class DaemonResponse
{
    /// <summary>0 on success, else a CNI error code (see <see cref="ErrorCodes"/>).</summary>
    public int Code { get; set; }
    public string? Message { get; set; }
    public string? Details { get; set; }
    public AttachmentResult? Result { get; set; }
    /// <summary>LIST: every address held on the node.</summary>
    public List<AllocationInfo>? Allocations { get; set; }
    /// <summary>CLAIM: the namespace handed out.</summary>
    public ClaimInfo? Claim { get; set; }
    /// <summary>NODESTATUS: one entry per configured network.</summary>
    public List<NetworkStatusInfo>? Networks { get; set; }
    /// <summary>EVENTS: the events after the requested sequence number, oldest first.</summary>
    public List<EventInfo>? Events { get; set; }
    /// <summary>EVENTS: pass this as <c>Since</c> next time to get only newer events.</summary>
    public long? LastSequence { get; set; }

    public static DaemonResponse Success(AttachmentResult? result = null) => new() { Result = result };

    public static DaemonResponse Failure(int code, string message, string? details = null) =>
        new() { Code = code, Message = message, Details = details };
}

public sealed class AllocationInfo
{
    public string Network { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string IfName { get; set; } = "";
    public string Address { get; set; } = "";
    public string? Netns { get; set; }
    public string? HostInterface { get; set; }
    public bool Committed { get; set; }
}

/// <summary>The error codes of the CNI specification, plus the plugin's own (100 and up).</summary>
public static class ErrorCodes
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidNetworkConfig = 7;
    public const int TryAgainLater = 11;
    public const int NotAvailable = 50;
    public const int LimitedConnectivity = 51;

    /// <summary>The kernel refused a step of the wiring; the message names the step and the errno.</summary>
    public const int KernelError = 100;
    /// <summary>The network has no free address left.</summary>
    public const int AddressesExhausted = 101;
    /// <summary>The attachment already exists (ADD twice, or the interface name is taken in the netns).</summary>
    public const int AlreadyExists = 102;
    /// <summary>CHECK found the attachment different from what the runtime expects.</summary>
    public const int CheckFailed = 103;
    /// <summary>An unexpected failure inside the daemon.</summary>
    public const int Internal = 199;
}
