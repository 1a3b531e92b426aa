using System.Net;
using Particle.Linux;

namespace Particle.Daemon.Cluster;

/// <summary>
/// The subnet this node last held in each network, kept in the state folder (subnet.NETWORK) so that
/// after a restart it asks for the same one: its pods keep their addresses and its peers their routes.
/// </summary>
public static class LeasedSubnets
{
    public static IPNetwork? Read(string stateDir, string network)
    {
        string path = PathOf(stateDir, network);
        try
        {
            return IPNetwork.TryParse(File.ReadAllText(path).Trim(), out var subnet) ? subnet : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Written to a temporary file, synced, then renamed over: a crash leaves the old or the new subnet.</summary>
    public static void Write(string stateDir, string network, IPNetwork subnet)
    {
        string path = PathOf(stateDir, network);
        if (Read(stateDir, network) is IPNetwork known && known.Equals(subnet))
            return;
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(subnet + "\n"));
            stream.Flush();
            FileSync.Fsync(stream.SafeFileHandle);
        }
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
        FileSync.FsyncDirectory(stateDir);
    }

    private static string PathOf(string stateDir, string network) => Path.Combine(stateDir, $"subnet.{network}");
}
