using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const int O_RDONLY = 0;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_NOCTTY = 0x100;
    internal const int O_WRONLY = 1;
    internal const int O_CREAT = 0x40;
    internal const int O_APPEND = 0x400;
    internal const int O_NOFOLLOW = 0x20000;

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenCreateRaw(string path, int flags, uint mode);

    /// <summary>open(2) with O_CREAT and the mode of a created file, retried on EINTR.</summary>
    internal static FileDescriptorHandle OpenCreate(string path, int flags, uint mode)
    {
        while (true)
        {
            int fd = OpenCreateRaw(path, flags | O_CREAT | O_CLOEXEC, mode);
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
