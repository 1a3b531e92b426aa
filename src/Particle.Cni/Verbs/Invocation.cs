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

    /// <summary>
    /// Leaves a durable note that this attachment, as it stands now, is not wanted, for particled to carry
    /// out when it is reachable again (<see cref="PendingDeleteNote"/>). Null when written.
    /// </summary>
    public CniError? LeavePendingDeleteNote()
    {
        var note = new PendingDeleteNote
        {
            Network = conf.Name,
            ContainerId = env.ContainerId,
            IfName = env.IfName,
            Netns = env.Netns,
            WrittenAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        try
        {
            DurableFile.Write(PendingDeleteNote.Folder(conf.StateDirectory),
                PendingDeleteNote.FileName(note.Network, note.ContainerId, note.IfName), note.ToJson());
            return null;
        }
        catch (IOException e)
        {
            return new CniError(ErrorCodes.IoFailure,
                $"particled is not reachable and the pending-delete note {note.PathIn(conf.StateDirectory)} could not be written",
                e.Message);
        }
    }

    /// <summary>The version gate of STATUS, GC and CHECK (code 1, as skel answers).</summary>
    public CniError? RequireVersion(string minimum, string verb) =>
        CniVersion.AtLeast(conf.CniVersion, minimum)
            ? null
            : CniError.IncompatibleVersion($"config version \"{conf.CniVersion}\" does not allow {verb} (needs {minimum} or later)");
}
