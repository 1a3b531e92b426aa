using System.Runtime.InteropServices;

namespace Particle.Cni;

/// <summary>
/// stdin, stdout or stderr as the bare file descriptor: read(2) and write(2), nothing else. Console's streams
/// first initialise System.Native's terminal and signal handling (a ".NET SigHandler" thread, handlers
/// for SIGINT, SIGQUIT and SIGCONT, terminal probes, the console encoding), which a process that reads
/// one pipe and writes another never needs. Errors behave as Console's do: EINTR is retried, EAGAIN
/// (a non-blocking descriptor from the runtime) waits in poll(2), EPIPE on write is ignored (the reader
/// is gone; the exit code still tells), any other errno is an <see cref="IOException"/>.
/// The runtime ignores SIGPIPE itself, before Main.
/// </summary>
internal sealed partial class StandardStream : Stream
{
    private const int EINTR = 4;
    private const int EAGAIN = 11;
    private const int EPIPE = 32;
    private const short POLLIN = 0x1;
    private const short POLLOUT = 0x4;

    private readonly int _fd;
    private readonly bool _write;

    private StandardStream(int fd, bool write)
    {
        _fd = fd;
        _write = write;
    }

    public static Stream Input() => new StandardStream(0, write: false);

    public static Stream Output() => new StandardStream(1, write: true);

    public static Stream Error() => new StandardStream(2, write: true);

    public override bool CanRead => !_write;
    public override bool CanWrite => _write;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override unsafe int Read(Span<byte> buffer)
    {
        if (_write)
            throw new NotSupportedException("stdout is not readable");
        if (buffer.IsEmpty)
            return 0;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = ReadFd(_fd, p, (nuint)buffer.Length);
                if (n >= 0)
                    return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN)
                {
                    Wait(POLLIN);
                    continue;
                }
                throw new IOException($"reading stdin failed (errno {errno})");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_write)
            throw new NotSupportedException("stdin is not writable");
        fixed (byte* p = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = WriteFd(_fd, p + done, (nuint)(buffer.Length - done));
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN)
                {
                    Wait(POLLOUT);
                    continue;
                }
                if (errno == EPIPE)
                    return;
                throw new IOException($"writing {(_fd == 1 ? "stdout" : "stderr")} failed (errno {errno})");
            }
        }
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private unsafe void Wait(short events)
    {
        var fd = new PollFd { Fd = _fd, Events = events };
        // Interrupted or not, the caller retries the read or write, which says what happened.
        _ = Poll(&fd, 1, -1);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadFd(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFd(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
