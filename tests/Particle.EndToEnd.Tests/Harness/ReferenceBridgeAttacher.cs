using System.Net;
using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// The reference bridge + host-local as flannel configures them (its cbr0 delegate: isGateway with the
/// default route, ipMasq, hairpinMode), run inside the node namespace as a runtime there would run them.
/// host-local keeps its state in the World's temp folder, never under /var/lib/cni.
/// </summary>
/// <remarks>
/// Same-node Service replies on a bridge are bridged, not routed, so they pass the reverse DNAT only with
/// net.bridge.bridge-nf-call-iptables=1 (kubeadm's preflight demands it). On this kernel (6.x) the
/// br_netfilter sysctls are per network namespace and a fresh namespace starts with 1; the harness reads
/// the node's value and writes only inside the node namespace (tests may turn it off there to show the
/// dependency). Never in the root namespace.
/// </remarks>
public sealed class ReferenceBridgeAttacher : IPodAttacher
{
    public const string PluginDir = "/usr/lib/cni";
    private const string BridgeNfCallIptables = "/proc/sys/net/bridge/bridge-nf-call-iptables";

    private readonly World _world;
    private readonly string _dataDir;
    private readonly bool _ipMasq;
    private readonly bool _hairpinMode;

    /// <param name="ipMasq">flannel's setting is true; false shows that the world really has no route to pods.</param>
    /// <param name="bridgeNetfilter">kubeadm's setting is true; false shows what same-node Services lose without it.</param>
    /// <param name="hairpinMode">flannel's setting is true; false shows that a pod then cannot reach itself through its Service.</param>
    public ReferenceBridgeAttacher(World world, string subnet = "10.123.0.0/24", bool ipMasq = true, bool bridgeNetfilter = true,
        bool hairpinMode = true)
    {
        _world = world;
        _ipMasq = ipMasq;
        _hairpinMode = hairpinMode;
        ClusterCidr = subnet;
        _dataDir = Path.Combine(world.Dir, "host-local");
        Directory.CreateDirectory(_dataDir);
        SetBridgeNetfilter(bridgeNetfilter);
    }

    public string Name => "reference bridge (flannel's cbr0)";

    public string ClusterCidr { get; }

    /// <summary>The node's net.bridge.bridge-nf-call-iptables, read inside the node namespace.</summary>
    public bool BridgeNetfilter => _world.OnNode("cat", BridgeNfCallIptables).Trim() == "1";

    public IPAddress Attach(string pod, string netnsPath)
    {
        var result = JsonNode.Parse(Invoke("ADD", pod, netnsPath))!;
        var address = result["ips"]![0]!["address"]!.GetValue<string>();
        return IPAddress.Parse(address[..address.IndexOf('/')]);
    }

    public void Detach(string pod, string netnsPath) => Invoke("DEL", pod, netnsPath);

    public void Dispose()
    {
        // Nothing runs: the bridge, veths and masquerade rules go with the node namespace, host-local's
        // state with the World's folder.
    }

    private string Config() => new JsonObject
    {
        ["cniVersion"] = "1.0.0",
        ["name"] = "cbr0",
        ["type"] = "bridge",
        ["bridge"] = "cni0",
        ["mtu"] = 1400,
        ["isGateway"] = true,
        ["isDefaultGateway"] = true,
        ["ipMasq"] = _ipMasq,
        ["hairpinMode"] = _hairpinMode,
        ["ipam"] = new JsonObject
        {
            ["type"] = "host-local",
            ["subnet"] = ClusterCidr,
            ["dataDir"] = _dataDir,
        },
    }.ToJsonString();

    private string Invoke(string command, string pod, string netnsPath)
    {
        var result = Shell.Run("nsenter", [$"--net={_world.NodeNetns}", Path.Combine(PluginDir, "bridge")], Config(),
            new Dictionary<string, string>
            {
                ["CNI_COMMAND"] = command,
                ["CNI_CONTAINERID"] = $"{_world.Prefix}-{pod}",
                ["CNI_NETNS"] = netnsPath,
                ["CNI_IFNAME"] = "eth0",
                ["CNI_PATH"] = PluginDir,
            }, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"bridge {command} of {pod} failed: {result}");
        return result.Stdout;
    }

    private void SetBridgeNetfilter(bool on)
    {
        if (BridgeNetfilter == on)
            return;
        // Per namespace on this kernel (a write in one namespace leaves the others alone, checked by
        // ServicesReferenceBridgeTests.Bridge_netfilter_is_per_namespace); written inside the node only.
        _world.OnNode("sh", "-c", $"echo {(on ? 1 : 0)} > {BridgeNfCallIptables}");
    }
}
