namespace Particle.Daemon.Configuration;

/// <summary>A validated <see cref="EndpointPoolConfig"/>.</summary>
public sealed record EndpointPoolSettings(int Target, int Min, int Max, int RefillBatch, TimeSpan IdleShrink)
{
    /// <summary>Each entry holds an address; more than this is a typo, not a plan.</summary>
    public const int MaxEntries = 65536;
    public const int MaxRefillBatch = 4096;
    public const int MaxIdleShrinkSeconds = 86400;

    public static EndpointPoolSettings Off { get; } = new(0, 0, 0, 1, TimeSpan.Zero);

    public bool Enabled => Target > 0;

    /// <param name="addresses">Addresses left for the pool once the namespace pool has its own.</param>
    public static EndpointPoolSettings From(EndpointPoolConfig? config, string where, long addresses)
    {
        if (config is null)
            return Off;
        Check(config.Target, "target", where);
        Check(config.Min, "min", where);
        Check(config.Max, "max", where);
        if (config.Min > config.Target)
            throw new ConfigException($"{where}: endpointPool.min {config.Min} is larger than endpointPool.target {config.Target}");
        if (config.Target > config.Max)
            throw new ConfigException($"{where}: endpointPool.target {config.Target} is larger than endpointPool.max {config.Max}");
        if (config.Max > addresses)
            throw new ConfigException($"{where}: endpointPool.max {config.Max} exceeds the {addresses} addresses of the range " +
                "(less the namespace pool's); pool entries each hold one");
        if (config.RefillBatch is < 1 or > MaxRefillBatch)
            throw new ConfigException($"{where}: endpointPool.refillBatch {config.RefillBatch} is outside 1..{MaxRefillBatch}");
        if (config.IdleShrinkSeconds is < 0 or > MaxIdleShrinkSeconds)
            throw new ConfigException($"{where}: endpointPool.idleShrinkSeconds {config.IdleShrinkSeconds} is outside 0..{MaxIdleShrinkSeconds} (0: never shrink)");
        if (config.Target == 0)
            return Off;
        return new EndpointPoolSettings(config.Target, config.Min, config.Max, config.RefillBatch, TimeSpan.FromSeconds(config.IdleShrinkSeconds));
    }

    private static void Check(int value, string field, string where)
    {
        if (value is < 0 or > MaxEntries)
            throw new ConfigException($"{where}: endpointPool.{field} {value} is outside 0..{MaxEntries}");
    }
}
