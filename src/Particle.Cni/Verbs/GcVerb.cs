using Particle.Protocol;

namespace Particle.Cni.Verbs;

internal static class GcVerb
{
    public static CniError? Run(Invocation inv)
    {
        if (inv.RequireVersion("1.1.0", "GC") is { } versionError)
            return versionError;
        var request = inv.NewRequest(Particle.Protocol.Verbs.Gc);
        // No list from the runtime means no attachment is valid: the daemon releases all of the network's.
        request.ValidAttachments = inv.Conf.ValidAttachments ?? [];
        var reply = inv.Daemon.Send(request);
        if (reply.UnreachableReason is { } reason)
            return new CniError(ErrorCodes.TryAgainLater, DaemonReply.UnreachableMessage(inv.Daemon.SocketPath, reason));
        return reply.AnswerError(inv.Daemon.SocketPath);
    }
}
