using System.Runtime.InteropServices;

namespace Particle.Linux.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWTIME = 0x80;
    internal const int CLONE_NEWNS = 0x20000;
    internal const int CLONE_NEWCGROUP = 0x2000000;
    internal const int CLONE_NEWUTS = 0x4000000;
    internal const int CLONE_NEWIPC = 0x8000000;
    internal const int CLONE_NEWUSER = 0x10000000;
    internal const int CLONE_NEWPID = 0x20000000;
    internal const int CLONE_NEWNET = 0x40000000;

    [LibraryImport(Name, EntryPoint = "setns", SetLastError = true)]
    internal static partial int Setns(SafeHandle fd, int nstype);
}
