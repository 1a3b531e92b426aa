using System.Collections;

namespace Particle.Cni;

public static class Program
{
    public static int Main(string[] args)
    {
        // A runtime always sets CNI_COMMAND and passes no arguments. Only a human types arguments, so only
        // then is System.CommandLine (comparatively slow to start) loaded at all.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CNI_COMMAND")) && args.Length > 0)
            return HumanCli.Run(args);

        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        return PluginRunner.Run(ReadEnvironment(), stdin, stdout);
    }

    private static Dictionary<string, string> ReadEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
                env[key] = value;
        }
        return env;
    }
}
