using System.Globalization;
using System.Text;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// kube-proxy in iptables mode: the jumps from the built-in chains are ensured once (kube-proxy's
/// EnsureRule), then each sync restores all KUBE-* chains with iptables-restore --noflush, declaring
/// (and so flushing) every chain it writes.
/// </summary>
public sealed class IptablesKubeProxy : KubeProxyRules
{
    private bool _jumpsInstalled;

    public IptablesKubeProxy(World world, string clusterCidr)
        : base(world, clusterCidr)
    {
    }

    public override KubeProxyMode Mode => KubeProxyMode.Iptables;

    public override string Dump() => World.OnNode("iptables-save");

    protected override void Sync()
    {
        var text = new StringBuilder();
        var filter = new List<string>
        {
            "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark 0x4000/0x4000 -j ACCEPT",
            "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        };
        if (!_jumpsInstalled)
        {
            filter.InsertRange(0,
            [
                "-I INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
                "-I INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
                "-I FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD",
                "-I FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
                "-I FORWARD -m conntrack --ctstate NEW -m comment --comment \"kubernetes externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES",
                "-I OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
            ]);
        }
        Table(text, "filter", ["KUBE-FORWARD", "KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-NODEPORTS"], filter);

        var chains = new List<string> { "KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ" };
        var nat = new List<string>();
        if (!_jumpsInstalled)
        {
            nat.Add("-I PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
            nat.Add("-I OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES");
            nat.Add("-I POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING");
        }
        nat.Add("-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
        nat.Add("-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000");
        nat.Add("-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");
        nat.Add("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000");
        foreach (var service in Services)
            ServiceRules(service, chains, nat);
        nat.Add("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
        Table(text, "nat", chains, nat);

        var result = Shell.Run("ip", ["netns", "exec", World.Node, "iptables-restore", "--noflush"], text.ToString());
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"iptables-restore in {World.Node} failed: {result}\n{text}");
        _jumpsInstalled = true;
    }

    private void ServiceRules(ServicePort service, List<string> chains, List<string> nat)
    {
        var svc = $"KUBE-SVC-{service.Hash(16)}";
        var vip = service.ClusterIp;
        chains.Add(svc);
        nat.Add($"-A KUBE-SERVICES -m comment --comment \"{service.Name} cluster IP\" -m tcp -p tcp -d {vip.Address} --dport {vip.Port} -j {svc}");
        nat.Add($"-A {svc} -m comment --comment \"{service.Name} cluster IP\" -m tcp -p tcp -d {vip.Address} --dport {vip.Port} ! -s {ClusterCidr} -j KUBE-MARK-MASQ");
        for (int i = 0; i < service.Endpoints.Count; i++)
        {
            var endpoint = service.Endpoints[i];
            var sep = $"KUBE-SEP-{new ServicePort(service.Name + endpoint, vip, 0, []).Hash(16)}";
            chains.Add(sep);
            // kube-proxy picks an endpoint with a falling probability per rule: 1/n, 1/(n-1), ..., the last always.
            int left = service.Endpoints.Count - i;
            var pick = left > 1
                ? $" -m statistic --mode random --probability {(1.0 / left).ToString("F11", CultureInfo.InvariantCulture)}"
                : "";
            nat.Add($"-A {svc} -m comment --comment \"{service.Name} -> {endpoint}\"{pick} -j {sep}");
            // Hairpin: an endpoint that reaches itself through the Service is masqueraded.
            nat.Add($"-A {sep} -m comment --comment {service.Name} -s {endpoint.Address}/32 -j KUBE-MARK-MASQ");
            nat.Add($"-A {sep} -m comment --comment {service.Name} -m tcp -p tcp -j DNAT --to-destination {endpoint}");
        }
        if (service.NodePort != 0)
        {
            var ext = $"KUBE-EXT-{service.Hash(16)}";
            chains.Add(ext);
            nat.Add($"-A KUBE-NODEPORTS -m comment --comment {service.Name} -m tcp -p tcp --dport {service.NodePort} -j {ext}");
            // externalTrafficPolicy: Cluster, so traffic from outside may cross nodes: masquerade it.
            nat.Add($"-A {ext} -m comment --comment \"masquerade traffic for {service.Name} external destinations\" -j KUBE-MARK-MASQ");
            nat.Add($"-A {ext} -j {svc}");
        }
    }

    private static void Table(StringBuilder text, string table, List<string> chains, List<string> rules)
    {
        text.Append('*').Append(table).Append('\n');
        foreach (var chain in chains)
            text.Append(':').Append(chain).Append(" - [0:0]\n");
        foreach (var rule in rules)
            text.Append(rule).Append('\n');
        text.Append("COMMIT\n");
    }
}
