using Particle.Protocol;

namespace Particle.Cni.Verbs;

internal static class StatusVerb
{
    public static CniError? Run(Invocation inv)
    {
        if (inv.RequireVersion("1.1.0", "STATUS") is { } versionError)
            return versionError;
        var reply = inv.Daemon.Send(inv.NewRequest(Particle.Protocol.Verbs.Status));
        // STATUS has its own code for "cannot serve ADD now" (50), not "try again later" (11).
        if (reply.UnreachableReason is { } reason)
            return new CniError(ErrorCodes.NotAvailable, $"particled is not reachable at {inv.Daemon.SocketPath}: {reason}");
        return reply.AnswerError(inv.Daemon.SocketPath);
    }
}
