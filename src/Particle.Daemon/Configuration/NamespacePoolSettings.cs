namespace Particle.Daemon.Configuration;

/// <summary>A validated <see cref="NamespacePoolConfig"/>.</summary>
public sealed record NamespacePoolSettings(int Size, string Folder)
{
    /// <summary>Each pooled namespace holds an address and a veth; more than this is a typo, not a plan.</summary>
    public const int MaxSize = 4096;

    public static NamespacePoolSettings Off { get; } = new(0, NamespacePoolConfig.DefaultFolder);

    public bool Enabled => Size > 0;

    public static NamespacePoolSettings From(NamespacePoolConfig? config, string where, long addresses)
    {
        if (config is null)
            return Off;
        if (config.Size is < 0 or > MaxSize)
            throw new ConfigException($"{where}: namespacePool.size {config.Size} is outside 0..{MaxSize}");
        if (config.Size > addresses)
            throw new ConfigException($"{where}: namespacePool.size {config.Size} exceeds the {addresses} addresses of the range");
        if (string.IsNullOrEmpty(config.Folder) || !Path.IsPathFullyQualified(config.Folder))
            throw new ConfigException($"{where}: namespacePool.folder must be an absolute path, got \"{config.Folder}\"");
        string folder = Path.TrimEndingDirectorySeparator(config.Folder);
        if (folder == "/")
            throw new ConfigException($"{where}: namespacePool.folder must not be /");
        return new NamespacePoolSettings(config.Size, folder);
    }
}
