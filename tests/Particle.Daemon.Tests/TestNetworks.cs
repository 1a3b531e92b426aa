using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests;

internal static class TestNetworks
{
    public static string RepositoryRoot { get; } = typeof(TestNetworks).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static NetworkDefinition Define(string name = "pods", string subnet = "10.77.0.0/24", string? gateway = null,
        string? rangeStart = null, string? rangeEnd = null) =>
        NetworkDefinition.From(new NetworkConfig
        {
            Name = name, Subnet = subnet, Gateway = gateway, RangeStart = rangeStart, RangeEnd = rangeEnd, GatewayInterface = "pt0",
        });

    public static Dictionary<string, NetworkDefinition> Map(params NetworkDefinition[] networks) =>
        networks.ToDictionary(n => n.Name);
}

/// <summary>A fresh folder under /tmp, removed afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("particle-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
