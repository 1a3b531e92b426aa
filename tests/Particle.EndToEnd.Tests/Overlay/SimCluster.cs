using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>A tenant network of the simulated cluster: its own cluster CIDR, VNI and gateway device.</summary>
public sealed record Tenant(int Number)
{
    public string Name => $"t{Number}";
    public string Cidr => $"10.{243 + Number}.0.0/16";
    public int Vni => 100 + Number;
    public string GatewayDevice => $"tb{Number}";
    public string Device => $"pvx{Vni}";

    /// <summary>The subnet the static file gives a node (etcd leases may differ).</summary>
    public string SubnetOf(SimNode node) => $"10.{243 + Number}.{node.Number}.0/24";
}

/// <summary>A pod attached through the real plugin.</summary>
public sealed record Pod(SimNode Node, Tenant Tenant, string Netns, string Address, string Name);

/// <summary>
/// N node namespaces on one underlay (a bridge in a namespace of its own, a veth to every node,
/// 198.18.0.0/24), each running particled with T overlay tenants. Every name carries pov-RANDOM; Dispose
/// removes every namespace, process and file, also after a failure.
/// </summary>
public sealed class SimCluster : IDisposable
{
    public const int UnderlayMtu = 1500;

    public SimCluster(IClusterMembership membership, int nodes, int tenants, int poolSize = 0)
    {
        Membership = membership;
        PoolSize = poolSize;
        Id = Guid.NewGuid().ToString("N")[..6];
        Dir = Directory.CreateTempSubdirectory("particle-overlay-").FullName;
        Tenants = Enumerable.Range(1, tenants).Select(t => new Tenant(t)).ToList();
        try
        {
            Shell.Check("ip", "netns", "add", UnderlayNamespace);
            Shell.Check("ip", "-n", UnderlayNamespace, "link", "set", "lo", "up");
            Shell.Check("ip", "-n", UnderlayNamespace, "link", "add", "ul", "type", "bridge");
            Shell.Check("ip", "-n", UnderlayNamespace, "link", "set", "ul", "up");
            for (int i = 1; i <= nodes; i++)
                Nodes.Add(new SimNode(this, i));
            Membership.Prepare(this);
            foreach (var node in Nodes)
                node.StartDaemon();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IClusterMembership Membership { get; }
    /// <summary>Pre-wired namespaces each node keeps per tenant (0: no pool).</summary>
    public int PoolSize { get; }
    public string Id { get; }
    public string Dir { get; }
    public string UnderlayNamespace => $"pov-{Id}-ul";
    public List<SimNode> Nodes { get; } = [];
    public List<Tenant> Tenants { get; }

    /// <summary>Connects a namespace to the underlay bridge as IFNAME with ADDRESS/24.</summary>
    public void Plug(string ns, string port, string ifName, string address)
    {
        Shell.Check("ip", "-n", UnderlayNamespace, "link", "add", port, "mtu", UnderlayMtu.ToString(), "type", "veth", "peer", "name", ifName, "netns", ns);
        Shell.Check("ip", "-n", UnderlayNamespace, "link", "set", port, "master", "ul", "up");
        Shell.Check("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", ifName);
        Shell.Check("ip", "-n", ns, "link", "set", ifName, "up");
    }

    /// <summary>Waits (at most 10 s) until every node has programmed every other present node in every tenant.</summary>
    public void WaitForMesh(IReadOnlyCollection<SimNode>? present = null)
    {
        present ??= Nodes;
        foreach (var node in present)
            foreach (var tenant in Tenants)
                Wait.Until(() => present.Where(p => p != node).All(p => node.HasPeer(tenant, p.SubnetIn(tenant))),
                    $"{node.Name} programs its peers in {tenant.Name}", node.DaemonLog);
    }

    public void Dispose()
    {
        foreach (var node in Nodes)
            node.Dispose();
        Membership.Dispose();
        Shell.Run("ip", ["netns", "del", UnderlayNamespace]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class Wait
{
    /// <summary>Polls until true, at most <paramref name="seconds"/> (never more than 10 s).</summary>
    public static void Until(Func<bool> condition, string what, string? diagnostics = null, double seconds = 10)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(Math.Min(seconds, 10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting: {what}\n{diagnostics}");
            Thread.Sleep(50);
        }
    }
}
