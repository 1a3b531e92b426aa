using System.Security.Cryptography;

namespace Particle.Daemon.Cluster.Tls;

/// <summary>
/// What a file was when it was last read: the file its links end at, its permissions and a hash of its content.
/// A replacement by rename, an edit in place, a Kubernetes secret update (a new <c>..data</c> link) and a chmod
/// all change it; modification times are not trusted for this, as copies (<c>cp -p</c>, .NET's File.Copy) keep
/// them. Certificates and keys are a few kilobytes, so reading them once a second costs next to nothing.
/// </summary>
internal readonly record struct FileStamp(string Target, UnixFileMode Mode, string Hash)
{
    public static FileStamp Of(string path)
    {
        string target = Resolve(path);
        try
        {
            return new FileStamp(target, File.GetUnixFileMode(target), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(target))));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileStamp(target, 0, "unreadable");
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
