using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_INO = 0x100;

    internal const int S_IFMT = 0xF000;
    internal const int S_IFSOCK = 0xC000;
    internal const int S_IFLNK = 0xA000;
    internal const int S_IFREG = 0x8000;
    internal const int S_IFBLK = 0x6000;
    internal const int S_IFDIR = 0x4000;
    internal const int S_IFCHR = 0x2000;
    internal const int S_IFIFO = 0x1000;

    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxRaw(SafeHandle dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>File type bits and inode of fd. statx is used because its layout is the same on every architecture.</summary>
    internal static unsafe (int Mode, ulong Inode) Stat(SafeHandle fd, string target)
    {
        byte* buffer = stackalloc byte[256];
        if (StatxRaw(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, buffer) != 0)
        {
            throw new LinuxException(LastErrno, "statx", target);
        }
        return (*(ushort*)(buffer + 28), *(ulong*)(buffer + 32));
    }
}
