using System.Net.Sockets;
using System.Text.Json;
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
        byte[] payload = JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest);
        byte[]? reply;
        bool sent = false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            // Connecting to a unix socket never waits on the network: a missing file or a socket without
            // a listener fails at once, so only the exchange itself needs a deadline.
            socket.SendTimeout = timeoutSeconds * 1000;
            socket.ReceiveTimeout = timeoutSeconds * 1000;
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            Frames.Write(socket, payload);
            sent = true;
            reply = Frames.Read(socket);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return DaemonReply.Unreachable($"no reply within {timeoutSeconds}s", sent);
        }
        catch (SocketException e)
        {
            return DaemonReply.Unreachable(Describe(e), sent);
        }
        catch (ProtocolException e)
        {
            return DaemonReply.Unreachable(e.Message, sent);
        }
        catch (IOException e)
        {
            return DaemonReply.Unreachable(e.Message, sent);
        }

        if (reply is null)
            return DaemonReply.Unreachable("the connection was closed without a reply", sent);

        try
        {
            var response = JsonSerializer.Deserialize(reply, ProtocolJsonContext.Default.DaemonResponse);
            return response is null ? DaemonReply.Unreadable("the reply is JSON null") : DaemonReply.Answered(response);
        }
        catch (JsonException e)
        {
            return DaemonReply.Unreadable(e.Message);
        }
    }

    /// <summary>The errno text in lower case, as it reads inside a sentence ("connection refused").</summary>
    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        // ENOENT: .NET reports a missing socket file as AddressNotAvailable.
        SocketError.AddressNotAvailable => "no such file or directory",
        SocketError.AccessDenied => "permission denied",
        SocketError.ConnectionReset => "connection reset",
        _ => e.Message.Length > 0 ? char.ToLowerInvariant(e.Message[0]) + e.Message[1..] : e.SocketErrorCode.ToString(),
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
