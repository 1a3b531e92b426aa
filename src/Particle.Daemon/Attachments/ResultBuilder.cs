using Particle.Daemon.Configuration;
using Particle.Daemon.Kernel;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Attachments;

/// <summary>Describes a wired pod the way CNI results do: host veth, pod interface (index 1).</summary>
public static class ResultBuilder
{
    public static AttachmentResult For(NetworkDefinition network, IPodDataPlane dataPlane, WiredPod pod, string netns,
        System.Net.IPAddress address) => new()
    {
        Interfaces =
        [
            new ResultInterface { Name = pod.HostName, Mac = pod.HostMac.ToString() },
            new ResultInterface { Name = pod.PodIfName, Mac = pod.PodMac.ToString(), Mtu = pod.Mtu, Sandbox = netns },
        ],
        Ips =
        [
            new ResultIp
            {
                Address = dataPlane.PodAddress(address).ToString(),
                Gateway = network.Gateway.ToString(),
                Interface = 1,
            },
        ],
        Routes = [new ResultRoute { Dst = "0.0.0.0/0", Gw = network.Gateway.ToString() }],
        Dns = new ResultDns(),
    };
}
