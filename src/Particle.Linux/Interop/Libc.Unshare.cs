using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);
}
