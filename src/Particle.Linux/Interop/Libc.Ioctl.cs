using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const ulong NS_GET_NSTYPE = 0xb703;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlRaw(SafeHandle fd, ulong request);

    /// <summary>An argument-less ioctl whose answer is its return value.</summary>
    internal static int Ioctl(SafeHandle fd, ulong request, string target)
    {
        int rc = IoctlRaw(fd, request);
        if (rc < 0)
        {
            throw new LinuxException(LastErrno, "ioctl", target);
        }
        return rc;
    }
}
