using System.Net;

namespace Particle.Daemon.Ipam;

/// <summary>
/// An address held by an attachment. It is reserved in memory while the ADD wires the pod and becomes
/// committed (journaled and fsynced) just before the ADD answers, so that after a crash only answered
/// ADDs still own addresses.
/// </summary>
public sealed class Allocation(AttachmentId id, IPAddress address, string? netns, DateTimeOffset createdAt)
{
    public AttachmentId Id { get; } = id;
    public IPAddress Address { get; } = address;
    public string? Netns { get; } = netns;
    public DateTimeOffset CreatedAt { get; } = createdAt;
    public bool Committed { get; internal set; }
}
