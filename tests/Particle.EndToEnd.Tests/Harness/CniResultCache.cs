namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// libcni's result cache, /var/lib/cni/results/NETWORK-CONTAINERID-IFNAME: written on ADD, removed on
/// DEL. containerd 1.6 (ctr and the CRI plugin, through go-cni) has no setting that moves it, so an
/// attachment that never got a DEL (ctr -d, a killed runtime, a failed test) leaves its file there. A test
/// runtime forgets exactly the entries of its own attachments, and the folders if it made them.
/// </summary>
public sealed class CniResultCache
{
    public const string Root = "/var/lib/cni";
    public static readonly string Results = Path.Combine(Root, "results");

    private readonly bool _hadRoot = Directory.Exists(Root);
    private readonly bool _hadResults = Directory.Exists(Results);

    public static string EntryPath(string network, string containerId, string ifName) =>
        Path.Combine(Results, $"{network}-{containerId}-{ifName}");

    /// <summary>Deletes the entries of these attachments; throws if one is still there afterwards.</summary>
    public void Forget(IEnumerable<(string Network, string ContainerId, string IfName)> attachments)
    {
        foreach (var (network, containerId, ifName) in attachments)
        {
            string entry = EntryPath(network, containerId, ifName);
            File.Delete(entry);
            if (File.Exists(entry))
                throw new IOException($"{entry} is still there");
        }
        // Another runtime on the machine may be writing its own entry meanwhile: only empty folders go.
        if (!_hadResults)
            DeleteIfEmpty(Results);
        if (!_hadRoot)
            DeleteIfEmpty(Root);
    }

    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }
}
