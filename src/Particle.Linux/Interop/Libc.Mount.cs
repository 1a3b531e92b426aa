using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const ulong MS_BIND = 0x1000;

    [LibraryImport(Name, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string? source, string target, string? filesystemType, ulong flags, IntPtr data);
}
