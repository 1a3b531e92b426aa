using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>The verbs against a fake particled: present, failing, silent, broken, or absent.</summary>
public sealed class DaemonTests : IDisposable
{
    private readonly TempDir _dir = new();
    private Socket? _deadSocket;

    public void Dispose()
    {
        _deadSocket?.Dispose();
        _dir.Dispose();
    }

    private string StateDir => _dir["state"];

    private string Conf(string socket, string version = "1.1.0", string extra = "") =>
        CniRun.Conf(version, $"\"socket\":\"{socket}\",\"stateDir\":\"{StateDir}\"" + (extra.Length > 0 ? "," + extra : ""));

    /// <summary>A socket file that nobody listens on: connect gets ECONNREFUSED. The socket stays open
    /// until the test ends because .NET unlinks the file when a bound socket is disposed.</summary>
    private string DeadSocket()
    {
        string path = _dir["dead.sock"];
        _deadSocket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _deadSocket.Bind(new UnixDomainSocketEndPoint(path));
        return path;
    }

    [Fact]
    public void Add_prints_the_daemon_result_and_sends_the_whole_request()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        var run = CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath));
        run.Exit.Should().Be(0, run.Stdout);
        using (var doc = JsonDocument.Parse(run.Stdout))
            doc.RootElement.GetProperty("ips")[0].GetProperty("address").GetString().Should().Be("10.1.0.5/16");

        daemon.Requests.Should().ContainSingle();
        var request = daemon.Requests.Single();
        request.Verb.Should().Be("ADD");
        request.Network.Should().Be("podnet");
        request.ContainerId.Should().Be(CniRun.ContainerId);
        request.IfName.Should().Be(CniRun.IfName);
        request.Netns.Should().Be(CniRun.Netns);
        request.Args.Should().BeEquivalentTo(new Dictionary<string, string> { ["K8S_POD_NAMESPACE"] = "default", ["K8S_POD_NAME"] = "web-0" });
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("DEL")]
    [InlineData("CHECK")]
    [InlineData("STATUS")]
    [InlineData("GC")]
    public void Daemon_error_is_passed_through(string verb)
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Failure(ErrorCodes.AddressesExhausted, "no free address in 10.1.0.0/16", "pool podnet"));
        var run = CniRun.Run(CniRun.Env(verb), Conf(daemon.SocketPath, extra: PrevResult));
        run.Exit.Should().Be(1);
        run.Stdout.Should().Be("""{"cniVersion":"1.1.0","code":101,"msg":"no free address in 10.1.0.0/16","details":"pool podnet"}""" + "\n");
    }

    [Fact]
    public void Add_without_result_is_internal_error()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath)).ShouldFail(ErrorCodes.Internal, "without a result");
    }

    [Fact]
    public void Absent_socket_file_makes_add_11_naming_the_socket()
    {
        string socket = _dir["missing.sock"];
        CniRun.Run(CniRun.Env("ADD"), Conf(socket)).ShouldFail(ErrorCodes.TryAgainLater, $"particled is not reachable at {socket}: no such file or directory");
    }

    [Fact]
    public void Socket_without_listener_makes_add_11_connection_refused()
    {
        string socket = DeadSocket();
        CniRun.Run(CniRun.Env("ADD"), Conf(socket)).ShouldFail(ErrorCodes.TryAgainLater, $"particled is not reachable at {socket}: connection refused; try again later");
    }

    [Fact]
    public void Absent_daemon_makes_status_50_check_11_gc_11()
    {
        string socket = DeadSocket();
        CniRun.Run(CniRun.Env("STATUS"), Conf(socket)).ShouldFail(ErrorCodes.NotAvailable, socket);
        CniRun.Run(CniRun.Env("CHECK"), Conf(socket, extra: PrevResult)).ShouldFail(ErrorCodes.TryAgainLater, socket);
        CniRun.Run(CniRun.Env("GC"), Conf(socket)).ShouldFail(ErrorCodes.TryAgainLater, socket);
    }

    [Theory]
    [InlineData(false, CniRun.Netns)]
    [InlineData(true, CniRun.Netns)]
    [InlineData(false, "")]
    public void Del_without_daemon_succeeds_and_leaves_a_private_note(bool deadSocket, string netns)
    {
        string socket = deadSocket ? DeadSocket() : _dir["missing.sock"];
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var run = CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", netns)), Conf(socket));
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().BeEmpty();

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("podnet\0ctr1\0eth0")));
        string folder = Path.Combine(StateDir, "pending-del");
        string note = Path.Combine(folder, hash + ".json");
        Directory.GetFiles(folder).Should().Equal(note);
        File.GetUnixFileMode(note).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(folder).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string json = File.ReadAllText(note);
        using var doc = JsonDocument.Parse(json);
        long writtenAt = doc.RootElement.GetProperty("writtenAtUnixMs").GetInt64();
        writtenAt.Should().BeInRange(before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        json.Should().Be($$"""{"network":"podnet","containerId":"ctr1","ifName":"eth0","netns":"{{netns}}","writtenAtUnixMs":{{writtenAt}}}""");
    }

    [Fact]
    public void Del_twice_without_daemon_rewrites_the_same_note()
    {
        string socket = _dir["missing.sock"];
        CniRun.Run(CniRun.Env("DEL"), Conf(socket)).Exit.Should().Be(0);
        CniRun.Run(CniRun.Env("DEL"), Conf(socket)).Exit.Should().Be(0);
        Directory.GetFiles(Path.Combine(StateDir, "pending-del")).Should().ContainSingle();
    }

    [Fact]
    public void Del_with_existing_netns_survives_the_pending_local_cleanup()
    {
        // A regular file stands in for a namespace path: LocalCleanup throws (not integrated yet) and
        // DEL must carry on regardless.
        string netns = _dir["netns"];
        File.WriteAllText(netns, "");
        var run = CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", netns)), Conf(_dir["missing.sock"]));
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().BeEmpty();
    }

    [Fact]
    public void Del_fails_with_5_naming_the_note_when_it_cannot_be_written()
    {
        File.WriteAllText(StateDir, "a file where the state folder should be");
        var run = CniRun.Run(CniRun.Env("DEL"), Conf(_dir["missing.sock"]));
        run.ShouldFail(ErrorCodes.IoFailure, Path.Combine(StateDir, "pending-del"));
    }

    [Fact]
    public void Del_with_daemon_writes_no_note_and_prints_nothing()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        var run = CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", "")), Conf(daemon.SocketPath));
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().BeEmpty();
        Directory.Exists(StateDir).Should().BeFalse();
        daemon.Requests.Single().Netns.Should().Be("");
    }

    [Fact]
    public void Silent_daemon_makes_add_11_after_the_timeout()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], behaviour: FakeDaemon.Behaviour.NeverAnswer);
        var clock = Stopwatch.StartNew();
        var run = CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath, extra: "\"timeoutSeconds\":1"));
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(900)).And.BeLessThan(TimeSpan.FromSeconds(5));
        run.ShouldFail(ErrorCodes.TryAgainLater, $"particled is not reachable at {daemon.SocketPath}: no reply within 1s");
    }

    [Fact]
    public void Daemon_closing_mid_frame_makes_add_11_and_notes_the_attachment_for_undoing()
    {
        // The daemon had the whole request and may have wired the pod: the runtime takes the ADD as
        // failed, so the note tells the daemon to undo it.
        using var daemon = new FakeDaemon(_dir["d.sock"], behaviour: FakeDaemon.Behaviour.CloseMidFrame);
        CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath)).ShouldFail(ErrorCodes.TryAgainLater, daemon.SocketPath);
        Directory.GetFiles(Path.Combine(StateDir, "pending-del")).Should().ContainSingle();
    }

    [Fact]
    public void Silent_daemon_add_notes_the_attachment_for_undoing()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], behaviour: FakeDaemon.Behaviour.NeverAnswer);
        CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath, extra: "\"timeoutSeconds\":1")).ShouldFail(ErrorCodes.TryAgainLater, daemon.SocketPath);
        Directory.GetFiles(Path.Combine(StateDir, "pending-del")).Should().ContainSingle();
    }

    [Fact]
    public void Add_that_never_reached_the_daemon_leaves_no_note()
    {
        CniRun.Run(CniRun.Env("ADD"), Conf(DeadSocket())).ShouldFail(ErrorCodes.TryAgainLater, "connection refused");
        Directory.Exists(Path.Combine(StateDir, "pending-del")).Should().BeFalse();
    }

    [Fact]
    public void Daemon_closing_mid_frame_lets_del_fall_back_to_the_note()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], behaviour: FakeDaemon.Behaviour.CloseMidFrame);
        CniRun.Run(CniRun.Env("DEL"), Conf(daemon.SocketPath)).Exit.Should().Be(0);
        Directory.GetFiles(Path.Combine(StateDir, "pending-del")).Should().ContainSingle();
    }

    private const string PrevResult = """
        "prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"veth1","mac":"00:00:00:00:00:01"},{"name":"eth0","sandbox":"/var/run/netns/x"},{"name":"eth1","sandbox":"/var/run/netns/x"}],
        "ips":[{"address":"10.1.0.5/16","interface":1},{"address":"fd00::5/64","interface":1},{"address":"10.2.0.5/16","interface":2},{"address":"172.16.0.1/32","interface":0}]}
        """;

    [Fact]
    public void Check_sends_the_addresses_of_the_container_interface()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        var run = CniRun.Run(CniRun.Env("CHECK"), Conf(daemon.SocketPath, "0.4.0", PrevResult));
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().BeEmpty();
        var request = daemon.Requests.Single();
        request.Verb.Should().Be("CHECK");
        request.Netns.Should().Be(CniRun.Netns);
        request.ExpectedAddresses.Should().Equal("10.1.0.5/16", "fd00::5/64");
    }

    [Fact]
    public void Check_sends_every_address_when_no_interface_matches()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        CniRun.Run(CniRun.Env("CHECK", ("CNI_IFNAME", "net9")), Conf(daemon.SocketPath, extra: PrevResult)).Exit.Should().Be(0);
        daemon.Requests.Single().ExpectedAddresses.Should().Equal("10.1.0.5/16", "fd00::5/64", "10.2.0.5/16", "172.16.0.1/32");
    }

    [Theory]
    [InlineData("0.3.1")]
    [InlineData("0.1.0")]
    public void Check_before_0_4_0_is_code_1(string version)
    {
        CniRun.Run(CniRun.Env("CHECK"), Conf(_dir["missing.sock"], version, PrevResult)).ShouldFail(ErrorCodes.IncompatibleVersion, "CHECK");
    }

    [Fact]
    public void Check_without_prevResult_is_code_7()
    {
        CniRun.Run(CniRun.Env("CHECK"), Conf(_dir["missing.sock"])).ShouldFail(ErrorCodes.InvalidNetworkConfig, "prevResult");
    }

    [Theory]
    [InlineData("STATUS", "1.0.0")]
    [InlineData("GC", "1.0.0")]
    [InlineData("GC", "0.4.0")]
    public void Status_and_gc_need_1_1_0(string verb, string version)
    {
        CniRun.Run(CniRun.Env(verb), Conf(_dir["missing.sock"], version)).ShouldFail(ErrorCodes.IncompatibleVersion, verb);
    }

    [Fact]
    public void Status_succeeds_silently_when_the_daemon_says_so()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        var run = CniRun.Run(new Dictionary<string, string> { ["CNI_COMMAND"] = "STATUS" }, Conf(daemon.SocketPath));
        run.Should().Be((0, ""));
        daemon.Requests.Single().Verb.Should().Be("STATUS");
    }

    [Theory]
    [InlineData("""["cni.dev/valid-attachments"]""", "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"},{\"containerID\":\"b\",\"ifname\":\"net1\"}],\"cni.dev/attachments\":[{\"containerID\":\"old\",\"ifname\":\"eth0\"}]", "a/eth0,b/net1")]
    [InlineData("""["cni.dev/attachments"]""", "\"cni.dev/attachments\":[{\"containerID\":\"old\",\"ifname\":\"eth0\"}]", "old/eth0")]
    [InlineData("none", "", "")]
    public void Gc_sends_the_valid_attachments(string label, string extra, string expected)
    {
        _ = label;
        using var daemon = new FakeDaemon(_dir["d.sock"]);
        var run = CniRun.Run(CniRun.Env("GC"), Conf(daemon.SocketPath, extra: extra));
        run.Should().Be((0, ""));
        var request = daemon.Requests.Single();
        request.Verb.Should().Be("GC");
        request.Network.Should().Be("podnet");
        string.Join(",", request.ValidAttachments!.Select(a => $"{a.ContainerId}/{a.IfName}")).Should().Be(expected);
    }

    [Theory]
    [InlineData("\"cni.dev/valid-attachments\":{}")]
    [InlineData("\"cni.dev/valid-attachments\":[\"a\"]")]
    [InlineData("\"cni.dev/valid-attachments\":[{\"containerID\":\"a\"}]")]
    public void Gc_with_malformed_attachments_is_code_6(string extra)
    {
        CniRun.Run(CniRun.Env("GC"), Conf(_dir["missing.sock"], extra: extra)).ShouldFail(ErrorCodes.DecodeFailure, "cni.dev/valid-attachments");
    }
}
