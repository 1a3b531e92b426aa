using System.Runtime.InteropServices;

namespace Particle.Cni;

public static partial class Program
{
    /// <summary>Every variable the plugin reads (cni-spec.md); nothing else of the environment is looked at.</summary>
    internal static readonly string[] Variables = ["CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"];

    public static int Main(string[] args)
    {
        // A runtime always sets CNI_COMMAND and passes no arguments. Only a human types arguments, so only
        // then is System.CommandLine (comparatively slow to start) loaded at all.
        var env = ReadEnvironment();
        if (!env.ContainsKey("CNI_COMMAND") && args.Length > 0)
            return HumanCli.Run(args);

        // Bare descriptors rather than Console's streams: see StandardStream for what Console would start.
        using var stdin = StandardStream.Input();
        using var stdout = StandardStream.Output();
        return PluginRunner.Run(env, stdin, stdout);
    }

    /// <summary>
    /// The CNI variables, each with getenv(3). Environment.GetEnvironmentVariables would copy the whole
    /// environment into a hash table first (every variable of the runtime's, decoded), which is most of the
    /// environment cost of a process this short. Unset and empty are the same to every verb.
    /// </summary>
    private static Dictionary<string, string> ReadEnvironment()
    {
        var env = new Dictionary<string, string>(Variables.Length, StringComparer.Ordinal);
        foreach (string name in Variables)
        {
            nint value = Getenv(name);
            if (value != 0 && Marshal.PtrToStringUTF8(value) is { Length: > 0 } text)
                env[name] = text;
        }
        return env;
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint Getenv(string name);
}
