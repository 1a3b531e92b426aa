using Particle.Daemon.Pool;

namespace Particle.Daemon.Metrics;

/// <summary>The namespace pools' levels, for the pool gauges and particlectl status.</summary>
public sealed class NamespacePoolLevels(NamespacePools pools) : IPoolLevels
{
    public IEnumerable<PoolLevel> Levels() =>
        (pools.Status().Networks ?? [])
            .Where(n => n.NamespacePool is not null)
            .Select(n => new PoolLevel(n.Name, PoolKinds.Namespace, n.NamespacePool!.Free, n.NamespacePool.Claimed, n.NamespacePool.Size));
}
