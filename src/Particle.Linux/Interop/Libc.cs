using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

// Every libc entry point this assembly uses is declared once, one syscall per file (Libc.*.cs).
// Callers read errno through Marshal.GetLastPInvokeError, so SetLastError is on everywhere.
internal static partial class Libc
{
    // "libc" resolves on both glibc and musl, unlike a hard-coded soname.
    internal const string Name = "libc";

    internal static int LastErrno => Marshal.GetLastPInvokeError();
}
