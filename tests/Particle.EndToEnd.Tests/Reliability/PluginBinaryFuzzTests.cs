using System.Text;
using System.Text.Json;
using CsCheck;
using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;
using Particle.Tests;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// The published AOT `particle`, exec'd as a runtime would, on a sample of generated broken inputs
/// (mutated configurations and hostile environments, the same generators the in-process fuzzers use):
/// every run prints exactly one CNI error object on stdout, never "internal error", and exits non-zero.
/// ADD and CHECK only, with a namespace path that does not exist and no daemon, so no run can succeed.
/// </summary>
public sealed class PluginBinaryFuzzTests
{
    private const int Samples = 150;

    [Fact]
    public void The_real_binary_answers_every_generated_broken_input_with_a_cni_error_object()
    {
        string dir = Directory.CreateTempSubdirectory("prl-binfuzz-").FullName;
        try
        {
            string socket = Path.Combine(dir, "absent.sock"), state = Path.Combine(dir, "state");
            var config = Gen.Frequency(
                (3, JsonGen.Shaped(Gen.Const(socket), Gen.Const(state)).Select(Encoding.UTF8.GetBytes)),
                (3, FuzzBudget.Mutations([Encoding.UTF8.GetBytes(
                    $$$"""{"cniVersion":"1.0.0","name":"podnet","type":"particle","socket":"{{{socket}}}","stateDir":"{{{state}}}","prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"}]}}""")])),
                (1, Gen.Byte.Array[0, 100]));
            var envValue = Gen.OneOf("", "../x", "a\nb", "a b", new string('c', 5000), "/proc/self/ns/net", "relative", "eth0", "ctr", "K=V", "IgnoreUnknown=x");
            var env = Gen.Select(Gen.OneOf("ADD", "CHECK"), Gen.Frequency((2, Gen.Const(Array.Empty<(string, string)>())),
                (1, Gen.Select(Gen.OneOf("CNI_CONTAINERID", "CNI_IFNAME", "CNI_ARGS", "CNI_NETNS"), envValue).Array[1, 2])));
            int failures = 0;
            var seen = new Dictionary<int, int>();

            foreach (var (input, (command, overrides)) in Gen.Select(config, env).Array[Samples].Single())
            {
                var variables = new Dictionary<string, string>
                {
                    ["CNI_COMMAND"] = command,
                    ["CNI_CONTAINERID"] = "fuzz",
                    ["CNI_NETNS"] = "/run/netns/prl-absent-" + Guid.NewGuid().ToString("N")[..8],
                    ["CNI_IFNAME"] = "eth0",
                    ["CNI_PATH"] = "/opt/cni/bin",
                };
                foreach (var (name, value) in overrides)
                    variables[name] = value;
                var run = RunBinary(input, variables);
                run.ExitCode.Should().NotBe(0, $"{run}\ninput: {Encoding.UTF8.GetString(input)}");
                using var error = JsonDocument.Parse(run.Stdout);
                var root = error.RootElement;
                int code = root.GetProperty("code").GetInt32();
                code.Should().NotBe(ErrorCodes.Internal, run.Stdout);
                root.GetProperty("msg").GetString().Should().NotBeNullOrEmpty();
                root.GetProperty("cniVersion").GetString().Should().NotBeNullOrEmpty();
                seen[code] = seen.GetValueOrDefault(code) + 1;
                failures++;
            }
            failures.Should().Be(Samples);
            Console.WriteLine("binary fuzz codes: " + JsonSerializer.Serialize(seen));
            Directory.Exists(state).Should().BeFalse("no run reached a point where it writes state");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Stdin as raw bytes (mutations are not always UTF-8).</summary>
    private static ProcessResult RunBinary(byte[] stdin, Dictionary<string, string> env)
    {
        var info = new System.Diagnostics.ProcessStartInfo(Binaries.Plugin)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CNI_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in env)
            info.Environment[key] = value;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The environment is judged before stdin is read: a refused one exits without reading it.
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            throw new TimeoutException("particle did not finish within 30 s");
        }
        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
