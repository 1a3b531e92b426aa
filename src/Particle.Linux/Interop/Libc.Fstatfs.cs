using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "fstatfs", SetLastError = true)]
    private static unsafe partial int FstatfsRaw(SafeHandle fd, byte* buffer);

    /// <summary>The f_type of the file system holding fd.</summary>
    internal static unsafe long FilesystemType(SafeHandle fd, string target)
    {
        // struct statfs is 120 bytes on the 64-bit ABIs; f_type is its leading long on all of them.
        byte* buffer = stackalloc byte[256];
        if (FstatfsRaw(fd, buffer) != 0)
        {
            throw new LinuxException(LastErrno, "fstatfs", target);
        }
        return *(long*)buffer;
    }
}
