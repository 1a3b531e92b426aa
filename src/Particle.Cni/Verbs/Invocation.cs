using Particle.Protocol;

namespace Particle.Cni.Verbs;

/// <summary>Everything a verb needs: the validated environment, the validated configuration, the daemon.</summary>
internal sealed class Invocation(CniEnvironment env, NetConf conf)
{
    public CniEnvironment Env => env;
    public NetConf Conf => conf;
    public DaemonClient Daemon { get; } = new(conf.SocketPath, conf.TimeoutSeconds);

    public DaemonRequest NewRequest(string verb) => new()
    {
        Verb = verb,
        Network = conf.Name,
        ContainerId = env.ContainerId.Length == 0 ? null : env.ContainerId,
        IfName = env.IfName.Length == 0 ? null : env.IfName,
        Args = env.Args.Count == 0 ? null : env.Args,
    };

    /// <summary>The version gate of STATUS, GC and CHECK (code 1, as skel answers).</summary>
    public CniError? RequireVersion(string minimum, string verb) =>
        CniVersion.AtLeast(conf.CniVersion, minimum)
            ? null
            : CniError.IncompatibleVersion($"config version \"{conf.CniVersion}\" does not allow {verb} (needs {minimum} or later)");
}
