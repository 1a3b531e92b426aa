using Particle.Linux;

namespace Particle.Daemon.Cluster.Tls;

/// <summary>
/// Files holding a private key or a password. They are refused unless only root can read them, as ssh refuses
/// a private key that others can read: a secret that every local user could copy is no secret. Symbolic links
/// are followed (Kubernetes mounts secrets through <c>..data</c> links) and the file they end at is checked.
/// </summary>
internal static class SecretFile
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Throws <see cref="ClusterStoreException"/> naming the file and what is wrong with it.</summary>
    /// <param name="what">How the config calls it, e.g. "etcd.keyFile".</param>
    public static void CheckPrivate(string path, string what)
    {
        string target = FileStamp.Resolve(path);
        if (FileKind.Of(target, out uint owner) != FileKinds.Regular)
        {
            throw new ClusterStoreException($"{what} {path} is missing or not a regular file");
        }
        UnixFileMode mode = File.GetUnixFileMode(target);
        if ((mode & GroupOrOthers) != 0 || owner != 0)
        {
            throw new ClusterStoreException(
                $"{what} {path} may be read by others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}, owner uid {owner}): " +
                "it must be owned by root and not accessible by group or others (chown root; chmod 600)");
        }
    }

    /// <summary>The file's first line, after <see cref="CheckPrivate"/>; never logged by anyone.</summary>
    public static string ReadLine(string path, string what)
    {
        CheckPrivate(path, what);
        try
        {
            string text = File.ReadAllText(path);
            int end = text.IndexOfAny(['\r', '\n']);
            return end < 0 ? text : text[..end];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterStoreException($"{what} {path} cannot be read: {e.Message}", e);
        }
    }
}
