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
        RefuseUnsafeFolder(folder);

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

    /// <summary>
    /// CreateDirectory is content with anything that resolves to a folder. A symbolic link planted in
    /// its place would carry the file (and particled's later reading of it) elsewhere, and a folder others
    /// may write to lets them plant one: both are refused. The name is looked at without following it.
    /// </summary>
    private static void RefuseUnsafeFolder(string folder)
    {
        var kind = FileKind.Of(folder);
        if (kind != FileKinds.Directory)
        {
            throw new IOException($"{folder} is a {kind.ToString().ToLowerInvariant()}, not a folder; refusing to write through it");
        }
        var mode = File.GetUnixFileMode(folder);
        if ((mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new IOException($"{folder} may be written by other users (mode {Convert.ToString((int)mode, 8)}); refusing to write into it");
        }
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
