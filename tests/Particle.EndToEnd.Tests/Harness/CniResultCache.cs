namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// libcni's result cache, /var/lib/cni/results/NETWORK-CONTAINERID-IFNAME: written on ADD, removed on
/// DEL. containerd 1.6 (ctr and the CRI plugin, through go-cni) has no setting that moves it, so an
/// attachment that never got a DEL (ctr -d, a killed runtime, a failed test) leaves its file there. A test
/// runtime forgets exactly the entries of its own attachments, and the folders if it made them.
/// </summary>
public sealed class CniResultCache : IDisposable
{
    public const string Root = "/var/lib/cni";
    public static readonly string Results = Path.Combine(Root, "results");

    private readonly IDisposable _folders = SharedMachineDirs.Lease(Results, Root);

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
    }

    /// <summary>The folders go too if libcni made them for this test run (and they are empty).</summary>
    public void Dispose() => _folders.Dispose();
}
