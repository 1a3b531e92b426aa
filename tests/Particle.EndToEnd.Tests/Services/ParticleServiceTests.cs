using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Services;

/// <summary>
/// Issue 11's table against particle's routed data plane (particled in the node namespace, egress
/// masquerade on), with kube-proxy's rules in both modes.
/// </summary>
public sealed class ParticleServiceTests : ServiceTableTests
{
    protected override ServiceScenario Scenario(KubeProxyMode mode) => new(world => new ParticleAttacher(world), mode);
}
