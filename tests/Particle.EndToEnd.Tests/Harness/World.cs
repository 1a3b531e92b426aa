namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// One simulated node and the internet beside it: a node namespace whose uplink veth leads to a "world"
/// namespace. The world has an address on the uplink's subnet and no route to pods or Services, as the
/// internet has none, so a pod reaches it only when the node masquerades. Pod namespaces are made here
/// (and wired by an <see cref="IPodAttacher"/>). Every name carries a random prefix; Dispose removes
/// every namespace and the temp folder even after a failure. The node's forwarding and NAT are left as a
/// fresh namespace has them: setting them up is the system under test's job.
/// </summary>
public sealed class World : IDisposable
{
    /// <summary>The world's address (TEST-NET-3, never routed outside this machine).</summary>
    public const string WorldAddress = "203.0.113.1";

    /// <summary>The node's uplink address: its host-network services listen here and egress leaves from here.</summary>
    public const string NodeAddress = "203.0.113.2";

    public const string Uplink = "up0";

    private readonly List<string> _namespaces = [];

    public World(string namePrefix = "psv")
    {
        Prefix = $"{namePrefix}-{Guid.NewGuid().ToString("N")[..8]}";
        Node = $"{Prefix}-node";
        Internet = $"{Prefix}-world";
        Dir = Directory.CreateTempSubdirectory("particle-world-").FullName;
        try
        {
            AddNamespace(Node);
            AddNamespace(Internet);
            // The veth is created with each end directly in its namespace: nothing touches the root namespace.
            Shell.Check("ip", "link", "add", Uplink, "netns", Node, "type", "veth", "peer", "name", "eth0", "netns", Internet);
            Shell.Check("ip", "-n", Node, "addr", "add", $"{NodeAddress}/24", "dev", Uplink);
            Shell.Check("ip", "-n", Node, "link", "set", Uplink, "up");
            Shell.Check("ip", "-n", Node, "route", "add", "default", "via", WorldAddress);
            Shell.Check("ip", "-n", Internet, "addr", "add", $"{WorldAddress}/24", "dev", "eth0");
            Shell.Check("ip", "-n", Internet, "link", "set", "eth0", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }

    /// <summary>Name of the node namespace (under /run/netns).</summary>
    public string Node { get; }

    /// <summary>Name of the world namespace.</summary>
    public string Internet { get; }

    public string NodeNetns => $"/run/netns/{Node}";
    public string WorldNetns => $"/run/netns/{Internet}";

    /// <summary>A temp folder of this world's own (daemon state, host-local's dataDir), removed on Dispose.</summary>
    public string Dir { get; }

    /// <summary>A fresh pod namespace with lo up; returns its path. Wiring it is the attacher's job.</summary>
    public string AddPodNamespace(string pod)
    {
        var name = $"{Prefix}-{pod}";
        AddNamespace(name);
        return $"/run/netns/{name}";
    }

    /// <summary>`ip netns exec NODE ARGS...`, which must succeed.</summary>
    public string OnNode(params string[] args) => Shell.Check("ip", ["netns", "exec", Node, .. args]);

    public void Dispose()
    {
        List<string> namespaces;
        lock (_namespaces)
            namespaces = [.. _namespaces];
        // Pods first, then node and world; deleting a namespace also removes its veths, rules and tables.
        foreach (var name in Enumerable.Reverse(namespaces))
            Shell.Run("ip", ["netns", "del", name]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void AddNamespace(string name)
    {
        Shell.Check("ip", "netns", "add", name);
        lock (_namespaces)
            _namespaces.Add(name);
        Shell.Check("ip", "-n", name, "link", "set", "lo", "up");
    }
}
