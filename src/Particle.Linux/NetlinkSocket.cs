using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>A raw AF_NETLINK socket: the syscalls only; message framing lives in Particle.Netlink.</summary>
public sealed class NetlinkSocket : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private NetlinkSocket(FileDescriptorHandle handle, uint portId, int protocol)
    {
        _handle = handle;
        PortId = portId;
        Protocol = protocol;
    }

    /// <summary>The port id the kernel assigned at bind; replies addressed elsewhere are not ours.</summary>
    public uint PortId { get; }

    public int Protocol { get; }

    /// <summary>Opens and binds a socket in the calling thread's network namespace, which it keeps for life.</summary>
    public static unsafe NetlinkSocket Open(int protocol)
    {
        int fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw new LinuxException(Libc.LastErrno, "socket", $"AF_NETLINK/{protocol}");
        }
        var handle = new FileDescriptorHandle(fd);
        try
        {
            // struct sockaddr_nl { u16 family; u16 pad; u32 pid; u32 groups; }; pid 0 lets the kernel choose.
            byte* address = stackalloc byte[12];
            new Span<byte>(address, 12).Clear();
            *(ushort*)address = Libc.AF_NETLINK;
            if (Libc.Bind(handle, address, 12) != 0)
            {
                throw new LinuxException(Libc.LastErrno, "bind", $"AF_NETLINK/{protocol}");
            }
            uint length = 12;
            if (Libc.GetSockName(handle, address, &length) != 0)
            {
                throw new LinuxException(Libc.LastErrno, "getsockname", $"AF_NETLINK/{protocol}");
            }
            return new NetlinkSocket(handle, *(uint*)(address + 4), protocol);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public unsafe void SetOption(int level, int name, int value)
    {
        if (Libc.SetSockOpt(_handle, level, name, &value, sizeof(int)) != 0)
        {
            throw new LinuxException(Libc.LastErrno, "setsockopt", $"level {level} option {name}");
        }
    }

    /// <summary>Grows both socket buffers; the forcing variant (root only) lifts the rmem_max/wmem_max caps,
    /// which matters when a batch of many requests is answered by as many acks before the first read.</summary>
    public void SetBufferSizes(int bytes)
    {
        try
        {
            SetOption(Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, bytes);
            SetOption(Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, bytes);
        }
        catch (LinuxException e) when (e.Errno == Errno.EPERM)
        {
            SetOption(Libc.SOL_SOCKET, Libc.SO_SNDBUF, bytes);
            SetOption(Libc.SOL_SOCKET, Libc.SO_RCVBUF, bytes);
        }
    }

    /// <summary>Sends one datagram to the kernel (port 0), which may hold several netlink messages.</summary>
    public unsafe void Send(ReadOnlySpan<byte> datagram)
    {
        fixed (byte* p = datagram)
        {
            while (true)
            {
                nint sent = Libc.Send(_handle, p, (nuint)datagram.Length, 0);
                if (sent >= 0)
                {
                    return;
                }
                int errno = Libc.LastErrno;
                if (errno != Errno.EINTR)
                {
                    throw new LinuxException(errno, "sendmsg", "netlink");
                }
            }
        }
    }

    /// <summary>Receives one datagram whole, growing buffer first when the next datagram is larger.</summary>
    public int Receive(ref byte[] buffer)
    {
        int size = Recv(buffer, Libc.MSG_PEEK | Libc.MSG_TRUNC);
        if (size > buffer.Length)
        {
            buffer = new byte[Math.Max(size, buffer.Length * 2)];
        }
        return Recv(buffer, 0);
    }

    public void Dispose() => _handle.Dispose();

    private unsafe int Recv(byte[] buffer, int flags)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint received = Libc.Recv(_handle, p, (nuint)buffer.Length, flags);
                if (received >= 0)
                {
                    return (int)received;
                }
                int errno = Libc.LastErrno;
                if (errno != Errno.EINTR)
                {
                    throw new LinuxException(errno, "recvmsg", "netlink");
                }
            }
        }
    }
}
