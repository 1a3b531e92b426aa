using System.Diagnostics.Metrics;

namespace Particle.Daemon.Metrics;

/// <summary>
/// The daemon's one <see cref="Meter"/>. Instruments are static so that a call site is one line and costs
/// next to nothing while nobody listens (metrics off): System.Diagnostics.Metrics drops measurements of an
/// instrument without listeners before boxing a tag.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "Particle.Daemon";

    public static Meter Meter { get; } = new(MeterName);
}
