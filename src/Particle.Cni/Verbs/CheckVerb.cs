using Particle.Protocol;

namespace Particle.Cni.Verbs;

internal static class CheckVerb
{
    public static CniError? Run(Invocation inv)
    {
        if (inv.RequireVersion("0.4.0", "CHECK") is { } versionError)
            return versionError;
        if (inv.Conf.PrevResult is not { } previous)
            return CniError.InvalidConfig("CHECK needs prevResult in the network configuration");

        var request = inv.NewRequest(Particle.Protocol.Verbs.Check);
        request.Netns = inv.Env.Netns;
        request.ExpectedAddresses = ExpectedAddresses(previous, inv.Env.IfName);
        var reply = inv.Daemon.Send(request);
        if (reply.UnreachableReason is { } reason)
            return new CniError(ErrorCodes.TryAgainLater, DaemonReply.UnreachableMessage(inv.Daemon.SocketPath, reason));
        return reply.AnswerError(inv.Daemon.SocketPath);
    }

    /// <summary>
    /// The addresses of the container interface named CNI_IFNAME (the one with a sandbox), as portmap
    /// picks them; when the chain's result names no such interface, every address.
    /// </summary>
    internal static List<string> ExpectedAddresses(CniResult previous, string ifName)
    {
        var mine = previous.Ips
            .Where(ip => ip.Interface is int i && i >= 0 && i < previous.Interfaces.Count
                && previous.Interfaces[i].Name == ifName
                && !string.IsNullOrEmpty(previous.Interfaces[i].Sandbox))
            .Select(ip => ip.Address)
            .ToList();
        return mine.Count > 0 ? mine : previous.Ips.Select(ip => ip.Address).ToList();
    }
}
