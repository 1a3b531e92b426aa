using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Attachments;
using Particle.Daemon.Metrics;
using Particle.Linux;
using Particle.Protocol;

namespace Particle.Daemon.Server;

/// <summary>
/// The daemon's unix socket: one request and one response per connection, many connections at once.
/// Only root peers are served (checked with SO_PEERCRED), on top of the socket file's 0600 mode.
/// </summary>
public sealed class SocketServer(string path, AttachmentService service, ILogger log) : IDisposable
{
    private static readonly TimeSpan RequestReadTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stopping = new();
    private readonly AdmissionGate _admission = new();
    private int _inFlight;

    public void Start()
    {
        PrepareSocketPath(path);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _listener.Listen(4096);
        _ = Task.Run(AcceptLoop);
        log.LogInformation("listening on {Path}", path);
    }

    /// <summary>Stops accepting and waits (bounded) for requests in flight to finish.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopping.Cancel();
        _listener.Close();
        var deadline = DateTime.UtcNow + grace;
        while (Volatile.Read(ref _inFlight) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        TryDeleteSocket(path);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stopping.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        Interlocked.Increment(ref _inFlight);
        using var _ = client;
        DaemonRequest? request = null;
        try
        {
            var peer = UnixCredentials.GetPeer(client);

            using (var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                readTimeout.CancelAfter(RequestReadTimeout);
                var frame = await Frames.ReadAsync(client, readTimeout.Token);
                if (frame is null)
                    return;
                // Refused only after the request is read, so that the peer gets the refusal and not EPIPE.
                if (peer.Uid != 0)
                {
                    log.LogWarning("refused a request from pid {Pid} uid {Uid}: only root may use particled", peer.Pid, peer.Uid);
                    RequestMetrics.Unserved(null, ErrorCodes.IoFailure);
                    await ReplyAsync(client, DaemonResponse.Failure(ErrorCodes.IoFailure, "permission denied: only root may use particled"));
                    return;
                }
                request = DaemonRequestDecoder.TryDecode(frame, out var error);
                if (request is null)
                {
                    RequestMetrics.Unserved(null, ErrorCodes.DecodeFailure);
                    await ReplyAsync(client, DaemonResponse.Failure(ErrorCodes.DecodeFailure, error!));
                    return;
                }
            }

            long started = Stopwatch.GetTimestamp();
            var (slot, refusal) = await _admission.EnterAsync(request.Verb, _stopping.Token);
            if (refusal is not null)
            {
                RequestMetrics.Unserved(request, refusal.Code);
                RequestLog.Done(log, request, refusal, started);
                await ReplyAsync(client, refusal);
                return;
            }
            using var held = slot;
            DaemonResponse response;
            using (RequestLog.Begin(log, request))
            {
                using var timeout = new CancellationTokenSource(RequestTimeout);
                response = await service.HandleAsync(request, timeout.Token);
                RequestMetrics.Served(request, response, started);
                if (!await ReplyAsync(client, response) && request.Verb == Verbs.Add && response.Code == 0)
                {
                    log.LogWarning("the plugin left before the ADD result reached it; undoing the ADD");
                    await service.UndoAddAsync(request);
                    response = DaemonResponse.Failure(ErrorCodes.TryAgainLater, "the plugin left before the answer; undone");
                }
            }
            RequestLog.Done(log, request, response, started);
        }
        catch (ProtocolException e)
        {
            // A broken frame (a length out of bounds, a header or payload cut short): the peer gets a clean
            // refusal when it is still listening, and nothing was read that could have been acted on.
            log.LogDebug("unreadable request dropped: {Error}", e.Message);
            RequestMetrics.Unserved(null, ErrorCodes.DecodeFailure);
            await ReplyAsync(client, DaemonResponse.Failure(ErrorCodes.DecodeFailure, $"particled: unreadable request: {e.Message}"));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            log.LogDebug("connection dropped: {Error}", e.Message);
        }
        catch (Exception e)
        {
            log.LogError(e, "request failed unexpectedly");
            RequestMetrics.Unserved(request, ErrorCodes.Internal);
            await ReplyAsync(client, DaemonResponse.Failure(ErrorCodes.Internal, $"particled: internal error: {e.Message}"));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private static async Task<bool> ReplyAsync(Socket client, DaemonResponse response)
    {
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(response, ProtocolJsonContext.Default.DaemonResponse);
            using var timeout = new CancellationTokenSource(RequestReadTimeout);
            await Frames.WriteAsync(client, bytes, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// A stale socket from a previous run is replaced; anything else at the path (a regular file, a folder,
    /// a symbolic link wherever it points) is left alone and the daemon refuses to start. The socket's
    /// folder must be a real folder, not a link someone planted to move the socket elsewhere.
    /// </summary>
    private static void PrepareSocketPath(string path)
    {
        if (!Path.IsPathFullyQualified(path))
            throw new IOException($"socket path {path} is not absolute; refusing to use it");
        string folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        if (FileKind.Of(folder) is var folderKind and not FileKinds.Directory)
            throw new IOException($"the folder of socket path {path}, {folder}, is a {folderKind.ToString().ToLowerInvariant()}, not a folder; refusing to follow it");
        switch (FileKind.Of(path))
        {
            case FileKinds.Missing:
                return;
            case FileKinds.Socket:
                File.Delete(path);
                return;
            case var other:
                throw new IOException($"socket path {path} exists and is a {other.ToString().ToLowerInvariant()}, not a socket; refusing to replace it");
        }
    }

    private static void TryDeleteSocket(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
