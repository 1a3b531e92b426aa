using System.CommandLine;

namespace Particle.Cni;

/// <summary>
/// What a person sees when running the binary by hand (--help, --version). Kept apart so that the CNI
/// path never loads System.CommandLine.
/// </summary>
internal static class HumanCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand(
            "particle: the ParticleCni CNI plugin. It is run by a container runtime with CNI_COMMAND set " +
            "(ADD, DEL, CHECK, STATUS, GC, VERSION) and the network configuration on stdin; it hands the work " +
            "to particled. CNI versions supported: " + string.Join(", ", CniVersion.Supported) + ".");
        return root.Parse(args).Invoke();
    }
}
