using Particle.Daemon.Attachments;

namespace Particle.Daemon.Metrics;

/// <summary>The endpoint pools' levels, for the pool gauges and particlectl status.</summary>
public sealed class EndpointPoolLevels(AttachmentService service) : IPoolLevels
{
    public IEnumerable<PoolLevel> Levels() => service.Status.EndpointPoolLevels();
}
