using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_NOCTTY = 0x100;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    /// <summary>open(2), retried on EINTR; returns an owned handle or throws naming the path.</summary>
    internal static FileDescriptorHandle Open(string path, int flags)
    {
        while (true)
        {
            int fd = OpenRaw(path, flags | O_CLOEXEC);
            if (fd >= 0)
            {
                return new FileDescriptorHandle(fd);
            }
            int errno = LastErrno;
            if (errno != Errno.EINTR)
            {
                throw new LinuxException(errno, "open", path);
            }
        }
    }
}
