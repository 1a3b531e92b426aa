using System.Buffers.Binary;
using System.Net.Sockets;

namespace Particle.Linux;

/// <summary>Who is on the other end of a unix socket, as the kernel recorded it at connect time.</summary>
public static class UnixCredentials
{
    /// <summary>This process's effective uid.</summary>
    public static uint EffectiveUid => Interop.Libc.GetEuid();

    public static (int Pid, int Uid, int Gid) GetPeer(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> ucred = stackalloc byte[12];
        int length;
        try
        {
            length = socket.GetRawSocketOption(Interop.Libc.SOL_SOCKET, Interop.Libc.SO_PEERCRED, ucred);
        }
        catch (SocketException e)
        {
            throw new LinuxException(e.ErrorCode, "getsockopt(SO_PEERCRED)", socket.LocalEndPoint?.ToString());
        }
        if (length != ucred.Length)
        {
            throw new LinuxException(Errno.EINVAL, "getsockopt(SO_PEERCRED)", socket.LocalEndPoint?.ToString());
        }
        int pid = BinaryPrimitives.ReadInt32LittleEndian(ucred);
        if (pid == 0)
        {
            // The kernel answers with pid 0 instead of an error when the socket has no connected unix peer;
            // treating that as a peer would let an unauthenticated caller look like the kernel.
            throw new LinuxException(Errno.ENOTCONN, "getsockopt(SO_PEERCRED)", socket.LocalEndPoint?.ToString());
        }
        return (pid, BinaryPrimitives.ReadInt32LittleEndian(ucred[4..]), BinaryPrimitives.ReadInt32LittleEndian(ucred[8..]));
    }
}
