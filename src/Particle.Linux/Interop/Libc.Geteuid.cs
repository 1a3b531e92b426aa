using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "geteuid")]
    internal static partial uint GetEuid();
}
