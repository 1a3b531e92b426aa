using System.Diagnostics;
using System.Text;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>
/// A blocking unix stream socket on bare syscalls. The CNI plugin talks to the daemon through it rather
/// than through System.Net.Sockets, whose first use starts an epoll thread and probes the IP stacks: work
/// that a process living for a few milliseconds would pay on every ADD.
/// </summary>
public sealed class UnixStreamSocket : IDisposable
{
    private const int MaxPathBytes = 107;

    private readonly FileDescriptorHandle _handle;
    private readonly long _started;
    private readonly long _deadline;

    private UnixStreamSocket(FileDescriptorHandle handle, long started, long deadline)
    {
        _handle = handle;
        _started = started;
        _deadline = deadline;
    }

    /// <summary>
    /// Connects to the socket at path; the whole exchange (connect, sends, receives) gives up with EAGAIN
    /// once timeout has passed since this call, however the peer trickles its bytes.
    /// </summary>
    /// <exception cref="LinuxException">With the errno of socket, setsockopt or connect (ENOENT, ECONNREFUSED, EACCES...).</exception>
    public static unsafe UnixStreamSocket Connect(string path, TimeSpan timeout)
    {
        byte[] pathBytes = Encoding.UTF8.GetBytes(path);
        if (pathBytes.Length > MaxPathBytes)
        {
            throw new LinuxException(Errno.ENAMETOOLONG, "connect", path);
        }
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new LinuxException(Libc.LastErrno, "socket", path);
        }
        var handle = new FileDescriptorHandle(fd);
        long started = Stopwatch.GetTimestamp();
        long deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        try
        {
            // struct timeval { long tv_sec; long tv_usec; }
            long* interval = stackalloc long[2];
            interval[0] = (long)timeout.TotalSeconds;
            interval[1] = timeout.Microseconds + timeout.Milliseconds * 1000L;
            if (Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, interval, 16) != 0 ||
                Libc.SetSockOpt(handle, Libc.SOL_SOCKET, Libc.SO_SNDTIMEO, interval, 16) != 0)
            {
                throw new LinuxException(Libc.LastErrno, "setsockopt", path);
            }

            // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
            byte* address = stackalloc byte[110];
            new Span<byte>(address, 110).Clear();
            *(ushort*)address = Libc.AF_UNIX;
            pathBytes.CopyTo(new Span<byte>(address + 2, MaxPathBytes));
            while (Libc.Connect(handle, address, (uint)(2 + pathBytes.Length + 1)) != 0)
            {
                int errno = Libc.LastErrno;
                if (errno != Errno.EINTR)
                {
                    throw new LinuxException(errno, "connect", path);
                }
            }
            return new UnixStreamSocket(handle, started, deadline);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Sends all of data (no SIGPIPE: a vanished peer is EPIPE).</summary>
    public unsafe void SendAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint sent = Libc.Send(_handle, start + done, (nuint)(data.Length - done), Libc.MSG_NOSIGNAL);
                if (sent < 0)
                {
                    int errno = Libc.LastErrno;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new LinuxException(errno, "send", "unix socket");
                }
                done += (int)sent;
            }
        }
    }

    /// <summary>Fills buffer unless the peer closes first; returns how many bytes arrived (0 at a clean close).</summary>
    public unsafe int ReceiveAll(Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                ShortenReceiveTimeout();
                nint got = Libc.Recv(_handle, start + done, (nuint)(buffer.Length - done), 0);
                if (got == 0)
                {
                    break;
                }
                if (got < 0)
                {
                    int errno = Libc.LastErrno;
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw new LinuxException(errno, "recv", "unix socket");
                }
                done += (int)got;
            }
            return done;
        }
    }

    /// <summary>
    /// SO_RCVTIMEO bounds each recv, not their sum: once part of the time is spent, the next wait is cut
    /// to what is left. Skipped in the first 10 ms, so the usual exchange pays no extra syscall.
    /// </summary>
    private unsafe void ShortenReceiveTimeout()
    {
        long now = Stopwatch.GetTimestamp();
        long left = _deadline - now;
        if (left <= 0)
        {
            throw new LinuxException(Errno.EAGAIN, "recv", "unix socket");
        }
        if (Stopwatch.GetElapsedTime(_started, now) < TimeSpan.FromMilliseconds(10))
        {
            return;
        }
        TimeSpan remaining = Stopwatch.GetElapsedTime(now, _deadline);
        long* interval = stackalloc long[2];
        interval[0] = (long)remaining.TotalSeconds;
        interval[1] = Math.Max(1, remaining.Microseconds + remaining.Milliseconds * 1000L);
        if (Libc.SetSockOpt(_handle, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, interval, 16) != 0)
        {
            throw new LinuxException(Libc.LastErrno, "setsockopt", "unix socket");
        }
    }

    public void Dispose() => _handle.Dispose();
}
