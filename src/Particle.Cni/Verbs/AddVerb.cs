using Particle.Protocol;

namespace Particle.Cni.Verbs;

internal static class AddVerb
{
    public static CniError? Run(Invocation inv, Stream stdout)
    {
        var request = inv.NewRequest(Particle.Protocol.Verbs.Add);
        request.Netns = inv.Env.Netns;
        var reply = inv.Daemon.Send(request);
        if (reply.UnreachableReason is { } reason)
        {
            // The daemon had the request and may have wired the pod before it died or went quiet, while the
            // runtime will take this ADD as failed. The note makes the daemon undo whatever it did.
            if (reply.OutcomeUnknown && inv.LeavePendingDeleteNote() is { } noteError)
                StdErr.Log($"ADD {inv.Env.ContainerId}/{inv.Env.IfName}: {noteError.Msg}: {noteError.Details}");
            return new CniError(ErrorCodes.TryAgainLater, DaemonReply.UnreachableMessage(inv.Daemon.SocketPath, reason));
        }
        if (reply.AnswerError(inv.Daemon.SocketPath) is { } error)
            return error;
        if (reply.Response!.Result is not { } attachment)
            return new CniError(ErrorCodes.Internal, $"particled at {inv.Daemon.SocketPath} answered ADD without a result");

        var result = CniResult.From(attachment);
        if (inv.Conf.PrevResult is { } previous)
            result = CniResult.Merge(previous, result);
        stdout.Write(ResultFormatter.Format(result, inv.Conf.CniVersion));
        return null;
    }
}
