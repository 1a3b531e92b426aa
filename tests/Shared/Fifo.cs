using System.Runtime.InteropServices;

namespace Particle.Tests;

/// <summary>mkfifo(3), for tests that plant a FIFO where a file is expected.</summary>
public static partial class Fifo
{
    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);

    public static void Create(string path)
    {
        if (MkFifo(path, 0x1b6) != 0)
            throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }
}
