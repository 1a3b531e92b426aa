namespace Particle.Daemon.Cluster.Tls;

/// <summary>
/// What a file looked like when it was last read: the file its links end at, its size and modification time.
/// A replacement by rename, an edit in place and a Kubernetes secret update (a new <c>..data</c> link) all
/// change it, so comparing stamps tells when credentials must be read again without reading them.
/// </summary>
internal readonly record struct FileStamp(string Target, long Length, DateTime Modified)
{
    public static FileStamp Of(string path)
    {
        try
        {
            string target = Resolve(path);
            var info = new FileInfo(target);
            return info.Exists ? new FileStamp(target, info.Length, info.LastWriteTimeUtc) : new FileStamp(target, -1, default);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileStamp(path, -1, default);
        }
    }

    /// <summary>The file at the end of the path's symbolic links (the path itself when it is none).</summary>
    public static string Resolve(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;   // a dangling or looping link: reading it fails with a clear error later
        }
    }
}
