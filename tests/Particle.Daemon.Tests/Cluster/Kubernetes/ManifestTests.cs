using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Cluster.Kubernetes;

/// <summary>No cluster runs here: the manifest is checked by deploy/kubernetes/check-manifest.py (YAML and
/// embedded JSON parse; RBAC, probes, NODE_NAME, host paths as particled needs them), and the ConfigMap's
/// node config is loaded by particled's own loader, so its keys cannot drift from the config classes.</summary>
public class ManifestTests
{
    private static readonly string Manifest = Path.Combine(TestNetworks.RepositoryRoot, "deploy", "kubernetes", "particle.yaml");

    [Fact]
    public void KubernetesManifestPassesItsChecks()
    {
        var (exitCode, output) = Python(Path.Combine(TestNetworks.RepositoryRoot, "deploy", "kubernetes", "check-manifest.py"));

        exitCode.Should().Be(0, output);
        output.Should().Contain("all checks passed");
    }

    [Fact]
    public void TheConfigMapNodeConfigLoadsAsParticledWouldInAPod()
    {
        string path = ConfigMapNodeConfig();
        try
        {
            var pod = new Dictionary<string, string> { ["NODE_NAME"] = "worker-1", ["HOST_IP"] = "192.0.2.10" };
            var settings = Load(path, name => pod.GetValueOrDefault(name));

            settings.Cluster!.Backend.Should().Be(ClusterBackend.Kubernetes);
            settings.Cluster.NodeName.Should().Be("worker-1");
            settings.Cluster.UnderlayAddress.Should().Be(IPAddress.Parse("192.0.2.10"));
            settings.Cluster.Kubernetes!.NodeName.Should().Be("worker-1");
            settings.Cluster.Kubernetes.TokenFile.Should().Be("/var/run/secrets/kubernetes.io/serviceaccount/token");
            settings.Overlays.Should().ContainSingle(o => o.Network == "particle");
            settings.SocketPath.Should().Be("/run/particle/particled.sock");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WithoutThePodsNodeNameTheConfigMapIsRefusedNamingIt()
    {
        string path = ConfigMapNodeConfig();
        try
        {
            var act = () => Load(path, name => name == "HOST_IP" ? "192.0.2.10" : null);

            act.Should().Throw<ConfigException>().WithMessage("*NODE_NAME*");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>As DaemonSettings.Load reads a config file (unknown keys refused), with the pod's environment given.</summary>
    private static DaemonSettings Load(string path, Func<string, string?> environment) =>
        DaemonSettings.From(JsonSerializer.Deserialize(File.ReadAllBytes(path), ConfigJsonContext.Default.NodeConfig)!, environment);

    /// <summary>The ConfigMap's particled.json, extracted with a real YAML parser into a temporary file.</summary>
    private static string ConfigMapNodeConfig()
    {
        var (exitCode, output) = Python("-c", """
            import sys, yaml
            docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
            sys.stdout.write(next(d for d in docs if d["kind"] == "ConfigMap")["data"]["particled.json"])
            """, Manifest);
        exitCode.Should().Be(0, output);
        string path = Path.GetTempFileName();
        File.WriteAllText(path, output);
        return path;
    }

    private static (int ExitCode, string Output) Python(params string[] args)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000).Should().BeTrue();
        string error = stderr.Result;
        return (process.ExitCode, process.ExitCode == 0 ? output : output + error);
    }
}
