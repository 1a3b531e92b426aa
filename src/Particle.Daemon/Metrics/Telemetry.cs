using System.Diagnostics.Metrics;

namespace Particle.Daemon.Metrics;

/// <summary>
/// The daemon's one <see cref="Meter"/>. Instruments are static so that a call site is one line, and they
/// cost next to nothing while nobody listens (metrics off): a measurement on an instrument without
/// listeners returns at once, and the per-request path checks <c>Enabled</c> before building its tags.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "Particle.Daemon";

    public static Meter Meter { get; } = new(MeterName);
}
