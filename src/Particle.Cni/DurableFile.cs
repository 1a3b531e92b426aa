using Particle.Linux;

namespace Particle.Cni;

/// <summary>
/// Writes a file so that after a crash or power loss it is either absent or complete: temp file,
/// fsync, rename over the target, fsync the folder (which makes the rename itself durable).
/// </summary>
internal static class DurableFile
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <exception cref="IOException">Any step failed; the message names the step and path.</exception>
    public static void Write(string folder, string fileName, ReadOnlySpan<byte> content)
    {
        try
        {
            Directory.CreateDirectory(folder, PrivateFolder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create {folder}: {e.Message}", e);
        }

        string target = Path.Combine(folder, fileName);
        string temp = Path.Combine(folder, $".{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            // CreateNew is O_CREAT|O_EXCL: it fails on any existing name, a planted symlink included.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = PrivateFile,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write {target}: {e.Message}", e);
        }
        FsyncFolder(folder);
    }

    private static void FsyncFolder(string folder)
    {
        try
        {
            FileSync.FsyncDirectory(folder);
        }
        catch (LinuxException e)
        {
            throw new IOException($"cannot sync {folder}: {e.Message}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a leftover temp file; the caller reports the real failure.
        }
    }
}
