using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// cni-conf/nerdctl-particle.conflist driven the way nerdctl calls CNI. nerdctl is not packaged for
/// Debian and cannot be fetched here, so nerdctl itself does not run: the calls below follow its OCI hook
/// (pkg/ocihook/ocihook.go, nerdctl 2): at createRuntime a DEL of "&lt;namespace&gt;-&lt;id&gt;" with CNI_NETNS
/// empty whose error is ignored, then ADD with /proc/&lt;pid&gt;/ns/net, both with
/// CNI_ARGS "IgnoreUnknown=1;NERDCTL_CNI_DHCP_HOSTNAME=&lt;hostname&gt;"; at postStop a DEL with CNI_NETNS and
/// CNI_ARGS empty. nerdctl 2 uses libcni 1.2+, which takes 1.1.0 from "cniVersions".
/// </summary>
public sealed class NerdctlTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.122.0.0/24", namePrefix: Runtimes.NamePrefix);

    public void Dispose() => _node.Dispose();

    [Fact]
    public void The_nerdctl_conflist_carries_the_id_nerdctl_derives_from_the_network_name()
    {
        var shipped = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "cni-conf/nerdctl-particle.conflist")))!;
        string name = shipped["name"]!.GetValue<string>();

        // nerdctl's network id is the SHA-256 of the name, in hex; `nerdctl network ls` shows its first 12.
        shipped["nerdctlID"]!.GetValue<string>().Should().Be(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))));
        shipped["nerdctlLabels"].Should().NotBeNull();
        shipped["cniVersion"]!.GetValue<string>().Should().Be("1.0.0");
        shipped["cniVersions"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Contain("1.1.0");
    }

    [Fact]
    public void A_container_started_and_stopped_as_nerdctl_does_gets_a_working_address_and_leaves_nothing()
    {
        var driver = new ConflistDriver(_node, ShippedConflist.Load("nerdctl-particle.conflist", _node));
        driver.CniVersion.Should().Be("1.1.0");
        string fullId = "default-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        using var container = Process.Start("unshare", ["--net", "--", "sleep", "60"]);
        try
        {
            string netns = $"/proc/{container.Id}/ns/net";
            Poll.Until(() => File.Exists(netns) && Shell.Run("readlink", [netns]).Stdout != Shell.Run("readlink", ["/proc/self/ns/net"]).Stdout,
                TimeSpan.FromSeconds(5)).Should().BeTrue("unshare has made the container's namespace");

            // createRuntime: the pre-emptive DEL (nothing to delete yet), then ADD.
            driver.CniArgs = "IgnoreUnknown=1;NERDCTL_CNI_DHCP_HOSTNAME=web-1";
            driver.Del(fullId, "");
            driver.Add(fullId, netns);

            var allocation = _node.Allocations().Single();
            allocation.ContainerId.Should().Be(fullId);
            driver.CachedResult!["cniVersion"]!.GetValue<string>().Should().Be("1.1.0");
            Shell.Run("nsenter", [$"--net={netns}", "ping", "-c", "1", "-W", "2", "10.122.0.1"]).ExitCode.Should().Be(0);

            // postStop: DEL without a namespace path and without CNI_ARGS.
            driver.CniArgs = "";
            driver.Del(fullId, "");

            _node.Allocations().Should().BeEmpty();
            _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
            Shell.Check("nsenter", $"--net={netns}", "ip", "-o", "link", "show").Should().NotContain("eth0");
        }
        finally
        {
            container.Kill();
            container.WaitForExit();
        }
    }
}
