using System.Runtime.InteropServices;

namespace Particle.Cni;

/// <summary>The few libc calls .NET has no managed form for.</summary>
internal static partial class NativeMethods
{
    private const string Libc = "libc";

    // Same value on x86_64 and arm64 (unlike O_DIRECTORY), so no per-architecture table is needed.
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
