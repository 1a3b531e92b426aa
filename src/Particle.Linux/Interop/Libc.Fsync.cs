using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(SafeHandle fd);

    [LibraryImport(Name, EntryPoint = "fdatasync", SetLastError = true)]
    internal static partial int Fdatasync(SafeHandle fd);
}
