using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const int MNT_DETACH = 0x2;
    /// <summary>Do not follow a symbolic link at the target: only the pin itself is ever unmounted.</summary>
    internal const int UMOUNT_NOFOLLOW = 0x8;

    [LibraryImport(Name, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Umount2(string target, int flags);
}
