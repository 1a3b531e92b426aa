using System.Text;
using System.Text.Json;

namespace Particle.Cni.Tests;

/// <summary>Runs the plugin in-process, as a runtime would run the binary.</summary>
internal static class CniRun
{
    public const string ContainerId = "ctr1";
    public const string Netns = "/var/run/netns/particle-test-does-not-exist";
    public const string IfName = "eth0";

    /// <summary>A complete environment for the verb; an override with a null value removes the variable.</summary>
    public static Dictionary<string, string> Env(string command, params (string Name, string? Value)[] overrides)
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = ContainerId,
            ["CNI_NETNS"] = Netns,
            ["CNI_IFNAME"] = IfName,
            ["CNI_PATH"] = "/opt/cni/bin",
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0",
        };
        foreach (var (name, value) in overrides)
        {
            if (value is null)
                env.Remove(name);
            else
                env[name] = value;
        }
        return env;
    }

    public static (int Exit, string Stdout) Run(Dictionary<string, string> env, string stdin) =>
        Run(env, Encoding.UTF8.GetBytes(stdin));

    public static (int Exit, string Stdout) Run(Dictionary<string, string> env, byte[] stdin)
    {
        using var input = new MemoryStream(stdin);
        using var output = new MemoryStream();
        int exit = PluginRunner.Run(env, input, output);
        return (exit, Encoding.UTF8.GetString(output.ToArray()));
    }

    /// <summary>The network configuration of a single plugin, with extra keys spliced in.</summary>
    public static string Conf(string version = "1.1.0", string extra = "") =>
        $$"""{"cniVersion":"{{version}}","name":"podnet","type":"particle"{{(extra.Length > 0 ? "," + extra : "")}}}""";

    public static (int Code, string Msg, string CniVersion) Error(string stdout)
    {
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        return (root.GetProperty("code").GetInt32(), root.GetProperty("msg").GetString()!, root.GetProperty("cniVersion").GetString()!);
    }

    public static void ShouldFail(this (int Exit, string Stdout) run, int code, string mentions)
    {
        run.Exit.Should().Be(1, run.Stdout);
        var error = Error(run.Stdout);
        error.Code.Should().Be(code, run.Stdout);
        error.Msg.Should().Contain(mentions);
    }
}
