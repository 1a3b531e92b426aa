namespace Particle.EndToEnd.Tests.Harness;

/// <summary>The published AOT binaries under test: PARTICLE_BIN_DIR, else artifacts/bin of the checkout.</summary>
public static class Binaries
{
    public static string Plugin => Find("particle");
    public static string Daemon => Find("particled");

    /// <summary>
    /// The previous release's binaries, for the upgrade tests: PARTICLE_BASELINE_BIN_DIR, else
    /// artifacts/baseline of the checkout, where scripts/test.sh builds the commit in tests/baseline-release.
    /// </summary>
    public static string BaselineDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("PARTICLE_BASELINE_BIN_DIR");
            if (string.IsNullOrEmpty(dir))
                dir = Path.Combine(Repository.Root, "artifacts", "baseline");
            if (!File.Exists(Path.Combine(dir, "particled")) || !File.Exists(Path.Combine(dir, "particle")))
                throw new FileNotFoundException($"the previous release's binaries are missing in {dir}: scripts/test.sh builds them (or set PARTICLE_BASELINE_BIN_DIR)");
            return dir;
        }
    }

    private static string Find(string name)
    {
        var dir = Environment.GetEnvironmentVariable("PARTICLE_BIN_DIR");
        if (string.IsNullOrEmpty(dir))
            dir = Path.Combine(Repository.Root, "artifacts", "bin");
        var path = Path.Combine(dir, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: run scripts/build.sh (or set PARTICLE_BIN_DIR) before the end-to-end tests");
        return path;
    }
}

/// <summary>The checkout the tests were built from (scripts, sample configs).</summary>
public static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
}
