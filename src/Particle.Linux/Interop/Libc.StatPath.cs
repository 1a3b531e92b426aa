using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    private const int AT_FDCWD = -100;
    private const int AT_SYMLINK_NOFOLLOW = 0x100;

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxPath(int dirfd, string path, int flags, uint mask, byte* buffer);

    private const uint STATX_UID = 0x8;

    /// <summary>
    /// File type bits and owner uid of path itself (a symbolic link is reported as one, with its own
    /// owner), in one statx; null when nothing is there.
    /// </summary>
    internal static unsafe (int Mode, uint Owner)? LinkStat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (StatxPath(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_UID, buffer) != 0)
        {
            int errno = LastErrno;
            if (errno is Errno.ENOENT or Errno.ENOTDIR)
            {
                return null;
            }
            throw new LinuxException(errno, "statx", path);
        }
        return (*(ushort*)(buffer + 28), *(uint*)(buffer + 20));
    }
}
