using System.Text;
using System.Text.Json;
using CsCheck;
using Particle.Protocol;
using Particle.Tests;

namespace Particle.Cni.Tests.Fuzz;

/// <summary>
/// Property: whatever the runtime passes (environment, stdin), the plugin never throws and never answers
/// "internal error": everything before the daemon is asked ends in an invocation or in a CNI error object
/// with the code that names the problem, printable in the version the error speaks.
/// </summary>
public sealed class PluginInputFuzzTests
{
    /// <summary>The codes the stage before the daemon may answer with.</summary>
    private static readonly int[] InputCodes =
        [ErrorCodes.IncompatibleVersion, ErrorCodes.InvalidEnvironment, ErrorCodes.DecodeFailure, ErrorCodes.InvalidNetworkConfig];

    private static readonly byte[][] Seeds =
    [
        JsonGen.Utf8(CniRun.Conf()),
        JsonGen.Utf8(CniRun.Conf("0.4.0", """ "socket":"/run/x.sock","stateDir":"/var/lib/x","timeoutSeconds":3,"args":{"cni":{"ips":["10.0.0.9"]}}""")),
        JsonGen.Utf8(CniRun.Conf("1.0.0", """ "prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.1.0.5/24","gateway":"10.1.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.1.0.1"}],"dns":{"nameservers":["10.1.0.2"]}}""")),
        JsonGen.Utf8(CniRun.Conf("0.3.1", """ "prevResult":{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/24","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]}}""")),
        JsonGen.Utf8(CniRun.Conf("1.1.0", """ "cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}],"cni.dev/attachments":[]""")),
        JsonGen.Utf8("""{"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"particle"}]}"""),
        [],
    ];

    [Fact]
    public void Mutated_configurations_are_judged_without_throwing()
    {
        var commands = Gen.OneOf("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION");
        long runs = FuzzBudget.Run("cni/config-bytes", Gen.Select(commands, FuzzBudget.Mutations(Seeds)),
            t => CheckPrepare(CniRun.Env(t.Item1), t.Item2),
            t => $"{t.Item1} {FuzzBudget.Show(t.Item2)}");
        runs.Should().BeGreaterThan(100);
    }

    [Fact]
    public void Generated_configurations_are_judged_without_throwing()
    {
        var config = JsonGen.Config(JsonGen.Str, JsonGen.Str);
        FuzzBudget.Run("cni/config-structured", Gen.Select(Gen.OneOf("ADD", "DEL", "CHECK", "GC", "STATUS"), config),
            t => CheckPrepare(CniRun.Env(t.Item1), JsonGen.Utf8(t.Item2)),
            t => $"{t.Item1} {t.Item2}");
    }

    private static readonly string[] EnvValues =
    [
        "", "ADD", "DEL", "add", "VERSION", "ctr1", "a", "-a", "a/b", "../x", "a\u0000b", "a\nb", new string('c', 5000),
        "eth0", "eth0.1", "a:b", ".", "..", "lo", "0123456789abcdef", "/var/run/netns/particle-test-does-not-exist",
        "relative/ns", "/proc/self/ns/net", "/proc/thread-self/ns/net", "/proc/self", "/x\u0001y",
        "IgnoreUnknown=1", "IgnoreUnknown=1;K8S_POD_NAME=a", "K8S_POD_NAME=a", "A=B=C", ";", "=x", "IgnoreUnknown=maybe",
        "IgnoreUnknown=true;K8S_POD_UID=" + new string('u', 70000), "/opt/cni/bin",
    ];

    [Fact]
    public void Generated_environments_are_judged_without_throwing()
    {
        var names = Gen.OneOf("CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH");
        var value = Gen.Frequency((4, Gen.OneOf(EnvValues)), (1, Gen.String[0, 30]), (1, Gen.Const("<unset>")));
        var overrides = Gen.Select(names, value).Array[0, 6];
        FuzzBudget.Run("cni/environment", Gen.Select(Gen.OneOf("ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"), overrides),
            t => CheckPrepare(CniRun.Env(t.Item1, [.. t.Item2.Select(o => (o.Item1, o.Item2 == "<unset>" ? null : (string?)o.Item2))]), JsonGen.Utf8(CniRun.Conf())),
            t => $"{t.Item1} " + string.Join(" ", t.Item2.Select(o => $"{o.Item1}={o.Item2}")));
    }

    [Fact]
    public void Generated_cni_args_parse_or_name_the_pair()
    {
        var piece = Gen.Frequency((3, Gen.OneOf("IgnoreUnknown", "K8S_POD_NAME", "K8S_POD_UID", "X", "=", ";", "1", "true", "0", "")),
            (1, Gen.String[0, 8]));
        FuzzBudget.Run("cni/cni-args", piece.Array[0, 12].Select(p => string.Concat(p)), raw =>
        {
            if (CniArgs.TryParse(raw, out var args, out var error))
                args.Keys.Should().NotContain(CniArgs.IgnoreUnknown);
            else
                error.Code.Should().Be(ErrorCodes.InvalidEnvironment);
        });
    }

    /// <summary>
    /// The whole plugin, verbs included, on generated configurations: the daemon is absent (its socket
    /// path leads nowhere) and notes go to a private folder. Every answer is success (DEL, VERSION) or an
    /// error object that is not "internal error".
    /// </summary>
    [Fact]
    public void Whole_invocations_answer_success_or_a_clean_error()
    {
        using var dir = new TempDir();
        var socket = Gen.OneOf(dir["absent.sock"], dir.Path, dir["state"], "/dev/null", "relative.sock", "");
        var config = JsonGen.Shaped(socket, Gen.OneOf(dir["state"], "relative", ""));
        FuzzBudget.Run("cni/whole-invocation", Gen.Select(Gen.OneOf("ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"), config), t =>
        {
            var (exit, stdout) = CniRun.Run(CniRun.Env(t.Item1), t.Item2);
            if (exit == 0)
                return;
            exit.Should().Be(1);
            var (code, msg, _) = CniRun.Error(stdout);
            code.Should().NotBe(ErrorCodes.Internal, stdout);
            msg.Should().NotBeNullOrEmpty();
        }, t => $"{t.Item1} {t.Item2}");
    }

    /// <summary>The plugin's reading of particled's reply: a response, or JsonException (reported as "unreadable reply").</summary>
    [Fact]
    public void Mutated_daemon_replies_are_read_or_refused_as_json_errors()
    {
        byte[][] replies =
        [
            JsonSerializer.SerializeToUtf8Bytes(DaemonResponse.Success(new AttachmentResult
            {
                Interfaces = [new ResultInterface { Name = "eth0", Mac = "aa:bb:cc:dd:ee:ff", Mtu = 1500, Sandbox = "/run/netns/x" }],
                Ips = [new ResultIp { Address = "10.0.0.5/24", Gateway = "10.0.0.1", Interface = 0 }],
                Routes = [new ResultRoute { Dst = "0.0.0.0/0", Gw = "10.0.0.1" }],
                Dns = new ResultDns { Nameservers = ["10.0.0.2"], Search = ["a"] },
            }), ProtocolJsonContext.Default.DaemonResponse),
            JsonSerializer.SerializeToUtf8Bytes(DaemonResponse.Failure(101, "no free address", "x"), ProtocolJsonContext.Default.DaemonResponse),
        ];
        FuzzBudget.Run("cni/daemon-reply", FuzzBudget.Mutations(replies), reply =>
        {
            try
            {
                DaemonMessages.Read(reply);
            }
            catch (JsonException)
            {
            }
        }, FuzzBudget.Show);
    }

    private static void CheckPrepare(Dictionary<string, string> env, byte[] stdin)
    {
        string errorVersion = CniVersion.Latest;
        using var input = new MemoryStream(stdin);
        using var output = new MemoryStream();
        var error = PluginRunner.Prepare(env, input, output, ref errorVersion, out var invocation);
        if (error is null)
        {
            if (invocation is null)
            {
                // VERSION answered.
                using var doc = JsonDocument.Parse(output.ToArray());
                doc.RootElement.GetProperty("supportedVersions").GetArrayLength().Should().BeGreaterThan(0);
            }
            return;
        }
        InputCodes.Should().Contain(error.Code, error.Msg);
        error.Msg.Should().NotBeNullOrEmpty();
        using var printed = JsonDocument.Parse(error.ToJson(errorVersion));
        printed.RootElement.GetProperty("code").GetInt32().Should().Be(error.Code);
        CniVersion.IsSupported(printed.RootElement.GetProperty("cniVersion").GetString()!).Should().BeTrue();
    }
}
