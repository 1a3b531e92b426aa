using Microsoft.Win32.SafeHandles;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>
/// Appends a line to a log file that many short-lived processes share. Opened O_APPEND (each write lands
/// whole at the end, whoever else writes), O_NOFOLLOW (a symbolic link planted at the path is refused,
/// not written through), O_NONBLOCK (a FIFO planted there cannot make the writer wait), created 0600.
/// Only a regular file is written. When a line would take the file past its bound, the file is first
/// renamed to PATH.1 (replacing the previous one), so the log never holds more than twice the bound.
/// </summary>
public static class AppendOnlyLog
{
    private const uint PrivateMode = 0x180; // 0600

    /// <exception cref="LinuxException">The file cannot be opened (the message names the path).</exception>
    /// <exception cref="IOException">The write failed (a full disk).</exception>
    public static void Append(string path, ReadOnlySpan<byte> line, long maxBytes)
    {
        using var handle = OpenRegular(path);
        long length = RandomAccess.GetLength(handle);
        if (length > 0 && length + line.Length > maxBytes)
        {
            Rotate(path);
            using var fresh = OpenRegular(path);
            Write(fresh, line);
            return;
        }
        Write(handle, line);
    }

    private static SafeFileHandle OpenRegular(string path)
    {
        var fd = Libc.OpenCreate(path, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY, PrivateMode);
        try
        {
            var (mode, _) = Libc.Stat(fd, path);
            if ((mode & Libc.S_IFMT) != Libc.S_IFREG)
                throw new LinuxException(Errno.EINVAL, "open", path + " (not a regular file)");
            var handle = new SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: true);
            fd.SetHandleAsInvalid();
            return handle;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    // With O_APPEND the kernel ignores the offset and appends (pwrite(2), BUGS).
    private static void Write(SafeFileHandle handle, ReadOnlySpan<byte> line) => RandomAccess.Write(handle, line, 0);

    /// <summary>rename(2) moves a link itself, never its target. Two writers rotating at once lose a few lines at most.</summary>
    private static void Rotate(string path)
    {
        try
        {
            File.Move(path, path + ".1", overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Someone else rotated first; appending to whatever is there now is fine.
        }
    }
}
