using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Particle.Linux;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>
/// Deferred veth deletion. Deleting a veth costs ~20 ms of synchronous kernel work (the unregister waits
/// for RCU grace periods and a device-free barrier), which would be most of a DEL. Instead DEL retires the
/// pair in well under a millisecond: the host end goes down (its route goes with it), gets a graveyard name and
/// the graveyard device group; the pod end goes down and gets the same graveyard name, so the attachment's
/// host name and the pod's interface name are free again at once. A background task deletes the whole
/// group in one request, which pays the kernel's synchronisation once for every retired pair.
/// The kernel itself is the record: after a SIGKILL, start-up deletes whatever is still in the group.
/// </summary>
public sealed class Graveyard(RouteNetlink node, ILogger log)
{
    /// <summary>The device group of retired pairs ("PCZ"): nothing else on a node is expected to use it.</summary>
    public const uint Group = 0x50435a;
    /// <summary>Graveyard names never start like <see cref="HostVethName.Prefix"/>.</summary>
    public const string Prefix = "pz";
    /// <summary>How long the first retirement waits for others to join its deletion.</summary>
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    private readonly SemaphoreSlim _wake = new(0);
    private int _pending;
    private long _retired;
    private long _deleted;

    public int Pending => Volatile.Read(ref _pending);
    public long Retired => Interlocked.Read(ref _retired);
    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>
    /// Retires the pair whose host end is <paramref name="hostName"/>; false when there is no such device.
    /// <paramref name="pod"/> (may be null: its namespace is gone or unknown) is where the pod end is renamed.
    /// </summary>
    public bool Retire(string hostName, NetworkNamespace? pod, string podIfName)
    {
        var host = node.GetLink(hostName);
        if (host is null)
            return false;
        string grave = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        try
        {
            // A device must be down to be renamed; one sendmsg, one round trip.
            // Down also takes the pod's host route and neighbour entry with it: the pod is cut off from here on.
            node.Batch().SetDown(host.Index).Rename(host.Index, grave).SetGroup(host.Index, Group).Commit();
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false; // its namespace died just now, taking the pair along
        }
        Interlocked.Increment(ref _pending);
        Interlocked.Increment(ref _retired);
        if (pod is not null)
            RenamePodEnd(pod, podIfName, host.Index, grave);
        _wake.Release();
        return true;
    }

    /// <summary>Deletes every retired pair now (start-up after a crash, shutdown, or an ADD that needs a name).</summary>
    public void DeleteAll()
    {
        int before = Interlocked.Exchange(ref _pending, 0);
        int count = node.DumpLinks().Count(l => l.Group == Group);
        if (count == 0)
            return;
        node.DeleteGroup(Group);
        Interlocked.Add(ref _deleted, count);
        log.LogDebug("graveyard: deleted {Count} retired veth pair(s) ({Pending} retired since the last round)", count, before);
    }

    /// <summary>The background deleter, one kernel slot per round; runs until <paramref name="stop"/>, then deletes what is left.</summary>
    public async Task RunAsync(SemaphoreSlim kernelSlots, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await _wake.WaitAsync(stop);
                await Task.Delay(Gather, stop);
                while (_wake.CurrentCount > 0)
                    await _wake.WaitAsync(stop);
                await kernelSlots.WaitAsync(stop);
                try
                {
                    DeleteAll();
                }
                catch (NetlinkException e)
                {
                    log.LogWarning("graveyard: deleting retired veths failed, will retry: {Error}", e.Message);
                    _wake.Release();
                }
                finally
                {
                    kernelSlots.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        try
        {
            DeleteAll();
        }
        catch (NetlinkException e)
        {
            log.LogWarning("graveyard: deleting retired veths at shutdown failed (the next start deletes them): {Error}", e.Message);
        }
    }

    /// <summary>The pod end, if it is still the peer of the retired host end, frees the pod's interface name.</summary>
    private void RenamePodEnd(NetworkNamespace pod, string podIfName, int hostIndex, string grave)
    {
        try
        {
            using var inside = RouteNetlink.OpenIn(pod);
            var link = inside.GetLink(podIfName);
            if (link is null || link.Kind != "veth" || link.ParentIndex != hostIndex)
                return;
            inside.Batch().SetDown(link.Index).Rename(link.Index, grave).Commit();
        }
        catch (Exception e) when (e is NetlinkException or LinuxException)
        {
            // The namespace is going away (its pair with it); the host end is retired either way.
            log.LogDebug("graveyard: pod end {IfName} in {Netns} not renamed: {Error}", podIfName, pod.Path, e.Message);
        }
    }
}
