using System.Net;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Services;

/// <summary>A pod of a scenario: its name, namespace path and address.</summary>
public sealed record Pod(string Name, string Netns, IPAddress Address);

/// <summary>
/// One run of the Services table: a <see cref="World"/>, the system under test attaching pods on its node,
/// and kube-proxy's rules in one mode. Servers and pods made through it are removed on Dispose, then the
/// system (its daemon), then every namespace.
/// </summary>
public sealed class ServiceScenario : IDisposable
{
    private readonly List<EchoServer> _servers = [];

    public ServiceScenario(Func<World, IPodAttacher> system, KubeProxyMode mode)
    {
        World = new World();
        try
        {
            System = system(World);
            Rules = KubeProxyRules.Install(mode, World, System.ClusterCidr);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public World World { get; }
    public IPodAttacher System { get; } = null!;
    public KubeProxyRules Rules { get; } = null!;

    public Pod AddPod(string name)
    {
        var netns = World.AddPodNamespace(name);
        return new Pod(name, netns, System.Attach(name, netns));
    }

    /// <summary>An echo server (TCP and UDP) named <paramref name="name"/> inside a namespace.</summary>
    public EchoServer Serve(string name, string netns, IPAddress address, int port)
    {
        var server = new EchoServer(name, netns, address, port);
        lock (_servers)
            _servers.Add(server);
        return server;
    }

    /// <summary>What a failure message needs: the system, the mode, and the node's addresses, routes and rules.</summary>
    public string Describe()
    {
        string Try(Func<string> what)
        {
            try
            {
                return what();
            }
            catch (Exception e)
            {
                return e.Message;
            }
        }
        return $"""
            system: {System?.Name}, kube-proxy mode: {Rules?.Mode}
            node addresses:
            {Try(() => World.OnNode("ip", "-4", "-br", "addr"))}
            node routes:
            {Try(() => World.OnNode("ip", "-4", "route"))}
            node ruleset:
            {Try(() => World.OnNode("nft", "list", "ruleset"))}
            """;
    }

    public void Dispose()
    {
        lock (_servers)
        {
            foreach (var server in _servers)
                server.Dispose();
        }
        System?.Dispose();
        World.Dispose();
    }
}
