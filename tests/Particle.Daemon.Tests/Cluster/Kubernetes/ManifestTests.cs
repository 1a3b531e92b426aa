using System.Diagnostics;

namespace Particle.Daemon.Tests.Cluster.Kubernetes;

/// <summary>No cluster runs here: the manifest is checked by deploy/kubernetes/check-manifest.py (YAML and
/// embedded JSON parse; RBAC, probes, NODE_NAME, host paths as particled needs them).</summary>
public class ManifestTests
{
    [Fact]
    public void KubernetesManifestPassesItsChecks()
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(TestNetworks.RepositoryRoot, "deploy", "kubernetes", "check-manifest.py"));
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit(30_000).Should().BeTrue();

        process.ExitCode.Should().Be(0, output);
        output.Should().Contain("all checks passed");
    }
}
