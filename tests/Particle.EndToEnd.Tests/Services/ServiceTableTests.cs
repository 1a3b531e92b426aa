using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Services;

/// <summary>
/// Issue 11's table, one theory per row, each with kube-proxy's rules written in iptables and in nftables
/// mode; a subclass says which system attaches the pods.
/// </summary>
public abstract class ServiceTableTests
{
    protected abstract ServiceScenario Scenario(KubeProxyMode mode);

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Pod_reaches_the_world_masqueraded(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.PodReachesTheWorld(s);
    }

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Pod_reaches_the_node_address(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.PodReachesTheNodeAddress(s);
    }

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Service_reaches_a_pod_on_the_same_node(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.ServiceReachesAPodOnTheSameNode(s);
    }

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Service_reaches_a_host_network_endpoint(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.ServiceReachesAHostNetworkEndpoint(s);
    }

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void Pod_reaches_itself_through_its_service(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.PodReachesItselfThroughItsService(s);
    }

    [Theory]
    [InlineData(KubeProxyMode.Iptables)]
    [InlineData(KubeProxyMode.Nftables)]
    public void World_reaches_a_pod_through_a_node_port(KubeProxyMode mode)
    {
        using var s = Scenario(mode);
        ServiceRows.TheWorldReachesAPodThroughANodePort(s);
    }

}
