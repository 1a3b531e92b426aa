using System.Text.Json;
using Particle.Linux;
using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// One request, one reply over particled's unix socket, synchronously: a CNI invocation does nothing
/// else meanwhile, and blocking calls keep the thread pool (and its start-up cost) out of the process.
/// </summary>
internal sealed class DaemonClient(string socketPath, int timeoutSeconds)
{
    public string SocketPath => socketPath;

    public DaemonReply Send(DaemonRequest request)
    {
        byte[] payload = DaemonMessages.Write(request);
        byte[]? reply;
        bool sent = false;
        try
        {
            if (ImpostorReason(socketPath) is { } impostor)
                return DaemonReply.Unreachable(impostor);
            // Connecting to a unix socket never waits on the network: a missing file or a socket without
            // a listener fails at once, so only the exchange itself needs a deadline.
            using var socket = UnixStreamSocket.Connect(socketPath, TimeSpan.FromSeconds(timeoutSeconds));
            socket.SendAll(Frames.Encode(payload));
            sent = true;
            reply = ReadFrame(socket);
        }
        catch (LinuxException e)
        {
            return DaemonReply.Unreachable(Describe(e), sent);
        }
        catch (ProtocolException e)
        {
            return DaemonReply.Unreachable(e.Message, sent);
        }

        if (reply is null)
            return DaemonReply.Unreachable("the connection was closed without a reply", sent);

        try
        {
            var response = DaemonMessages.Read(reply);
            return response is null ? DaemonReply.Unreadable("the reply is JSON null") : DaemonReply.Answered(response);
        }
        catch (JsonException e)
        {
            return DaemonReply.Unreadable(e.Message);
        }
    }

    /// <summary>
    /// particled runs as root and creates its socket itself. A socket someone else owns, or a symbolic
    /// link that connect(2) would follow, may be a listener that is not particled: the plugin would hand it
    /// the container's namespace path and take its answer. Treated like no daemon at all (DEL then cleans
    /// up locally and leaves its note). Null when the path is missing (connect says so) or acceptable.
    /// </summary>
    private static string? ImpostorReason(string path)
    {
        var kind = FileKind.Of(path, out uint owner);
        if (kind == FileKinds.SymbolicLink)
            return "the socket path is a symbolic link; refusing to follow it";
        return kind != FileKinds.Missing && owner != 0 && owner != UnixCredentials.EffectiveUid
            ? $"the socket is owned by uid {owner}, not root; refusing to talk to it"
            : null;
    }

    /// <summary>The errno text in lower case, as it reads inside a sentence ("connection refused").</summary>
    /// <summary>One frame; null when the daemon closed the connection without answering.</summary>
    private static byte[]? ReadFrame(UnixStreamSocket socket)
    {
        Span<byte> header = stackalloc byte[Frames.HeaderLength];
        int got = socket.ReceiveAll(header);
        if (got == 0)
            return null;
        if (got < header.Length)
            throw new ProtocolException("the connection was closed inside a reply header");
        var payload = new byte[Frames.DecodeLength(header)];
        if (socket.ReceiveAll(payload) < payload.Length)
            throw new ProtocolException($"the connection was closed after a partial reply ({payload.Length} bytes announced)");
        return payload;
    }

    private string Describe(LinuxException e) => e.Errno switch
    {
        Errno.ENOENT => "no such file or directory",
        Errno.ECONNREFUSED => "connection refused",
        Errno.EACCES or Errno.EPERM => "permission denied",
        Errno.ECONNRESET => "connection reset",
        Errno.EPIPE => "broken pipe",
        Errno.EAGAIN => $"no reply within {timeoutSeconds}s",
        _ => e.Message,
    };
}

/// <summary>The outcome of one exchange with the daemon; exactly one of the three shapes.</summary>
internal readonly record struct DaemonReply(DaemonResponse? Response, string? UnreachableReason, string? UnreadableReason,
    bool OutcomeUnknown = false)
{
    public static DaemonReply Answered(DaemonResponse response) => new(response, null, null);

    /// <param name="requestSent">The daemon got the whole request, so it may have acted on it.</param>
    public static DaemonReply Unreachable(string reason, bool requestSent = false) => new(null, reason, null, requestSent);

    public static DaemonReply Unreadable(string reason) => new(null, null, reason, true);

    /// <summary>The daemon's own failure as a CNI error, or the reply not being readable at all.</summary>
    public CniError? AnswerError(string socketPath)
    {
        if (UnreadableReason is not null)
            return new CniError(ErrorCodes.Internal, $"particled at {socketPath} sent an unreadable reply: {UnreadableReason}");
        if (Response is { Code: not 0 } failure)
            return new CniError(failure.Code, failure.Message ?? $"particled failed with code {failure.Code}", failure.Details);
        return null;
    }

    public static string UnreachableMessage(string socketPath, string reason) =>
        $"particled is not reachable at {socketPath}: {reason}; try again later";
}
