using System.Net;

namespace Particle.Daemon.Configuration;

/// <summary>
/// How a network's pods reach destinations off the pod networks: masqueraded to the node's address (the
/// world has no route back to pod addresses), except towards <see cref="NonMasquerade"/>, which routes
/// pod addresses itself.
/// </summary>
public sealed record EgressSettings(bool Masquerade, IReadOnlyList<IPNetwork> NonMasquerade)
{
    public static EgressSettings From(NetworkConfig config, string where) =>
        new(config.IpMasq, config.NonMasqueradeCidrs.Select(c => NetworkDefinition.ParseCidr(c, where, "nonMasqueradeCidrs entry")).ToList());
}
