using Microsoft.Win32.SafeHandles;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>Durability barriers for journal-style writes: the data, then the directory entry that names it.</summary>
public static class FileSync
{
    public static void Fsync(SafeFileHandle handle) =>
        Retry(() => Libc.Fsync(handle), "fsync", null);

    /// <summary>Data only; skips metadata such as mtime that a journal does not need after a crash.</summary>
    public static void Fdatasync(SafeFileHandle handle) =>
        Retry(() => Libc.Fdatasync(handle), "fdatasync", null);

    /// <summary>Makes a create or rename inside dir durable; fsync on the file alone does not.</summary>
    public static void FsyncDirectory(string dir)
    {
        using FileDescriptorHandle fd = Libc.Open(dir, Libc.O_RDONLY);
        Retry(() => Libc.Fsync(fd), "fsync", dir);
    }

    private static void Retry(Func<int> call, string operation, string? target)
    {
        while (call() != 0)
        {
            int errno = Libc.LastErrno;
            if (errno != Errno.EINTR)
            {
                throw new LinuxException(errno, operation, target);
            }
        }
    }
}
