using Particle.Protocol;

namespace Particle.Cni.Verbs;

/// <summary>
/// DEL must succeed even when particled is down: a failing DEL leaves a pod stuck Terminating (aws vpc
/// cni #2487). Then the plugin removes the interface itself and leaves a durable note so the daemon
/// releases the address when it is back.
/// </summary>
internal static class DelVerb
{
    public static CniError? Run(Invocation inv)
    {
        var request = inv.NewRequest(Particle.Protocol.Verbs.Del);
        request.Netns = inv.Env.Netns;
        var reply = inv.Daemon.Send(request);
        if (reply.UnreachableReason is null && reply.UnreadableReason is null)
            return reply.AnswerError(inv.Daemon.SocketPath);

        // An unreadable reply leaves it unknown whether the address was released, so it is handled like
        // no reply: the note is idempotent for the daemon either way.
        string reason = reply.UnreachableReason ?? "unreadable reply: " + reply.UnreadableReason;
        StdErr.Log($"DEL {inv.Env.ContainerId}/{inv.Env.IfName}: {DaemonReply.UnreachableMessage(inv.Daemon.SocketPath, reason)}; cleaning up locally");

        // Without the note the address would never be released: this is the one reason DEL fails.
        var noteError = inv.LeavePendingDeleteNote();

        // The interface goes even when the note failed: the runtime may retry DEL, and a leftover interface
        // only helps nobody.
        RemoveInterface(inv.Env.Netns, inv.Env.IfName);
        return noteError;
    }

    private static void RemoveInterface(string netns, string ifName)
    {
        // An empty or vanished namespace took its interfaces with it.
        if (netns.Length == 0 || !File.Exists(netns))
            return;
        try
        {
            if (LocalCleanup.RemoveInterface(netns, ifName) is { } leftAlone)
                StdErr.Log("DEL: " + leftAlone);
        }
        catch (Exception e)
        {
            StdErr.Log($"DEL: could not remove {ifName} in {netns}: {e.Message}");
        }
    }
}
