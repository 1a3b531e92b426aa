namespace Particle.EndToEnd.Tests.Harness;

/// <summary>The published AOT binaries under test: PARTICLE_BIN_DIR, else artifacts/bin of the checkout.</summary>
public static class Binaries
{
    public static string Plugin => Find("particle");
    public static string Daemon => Find("particled");

    private static string Find(string name)
    {
        var dir = Environment.GetEnvironmentVariable("PARTICLE_BIN_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            var root = typeof(Binaries).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
                .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
            dir = Path.Combine(root, "artifacts", "bin");
        }
        var path = Path.Combine(dir, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run scripts/build.sh (or set PARTICLE_BIN_DIR) before the end-to-end tests");
        return path;
    }
}
