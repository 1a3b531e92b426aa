using Particle.Protocol;

namespace Particle.Daemon.Attachments;

/// <summary>A request that cannot be served, with the CNI code the runtime should see.</summary>
public sealed class AttachmentFailure(int code, string message, string? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string? Details { get; } = details;

    public DaemonResponse ToResponse() => DaemonResponse.Failure(Code, Message, Details);
}
