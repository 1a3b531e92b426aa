using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>
/// One hostile or broken invocation of the plugin and what it must come to. Values may hold placeholders
/// the corpus node fills in: {SOCKET} {STATE} {POD} {DIR} {FILE} {FOLDER} {FIFO} {DEADNS} {TESTPID} {ID}
/// {PREFIX} {PLANTED} {LOOSE} {FOREIGNSOCK} {LINKSOCK}. Env values of null remove the variable.
/// </summary>
public sealed record HostileCase(
    string Name,
    string Verb,
    string Stdin,
    int Code,
    string MessageContains,
    IReadOnlyDictionary<string, string?>? Env = null,
    byte[]? RawStdin = null,
    bool NoteExpected = false)
{
    public override string ToString() => Name;
}

/// <summary>Builders for configurations; fields keep the runtime's order so a case changes only what it names.</summary>
public static class Conf
{
    private static readonly (string Key, string Json)[] Defaults =
    [
        ("cniVersion", "\"1.0.0\""),
        ("name", "\"e2e\""),
        ("type", "\"particle\""),
        ("socket", "\"{SOCKET}\""),
        ("stateDir", "\"{STATE}\""),
    ];

    /// <summary>The node's working configuration.</summary>
    public static string Good(string version = "1.0.0") => With(("cniVersion", $"\"{version}\""));

    /// <summary>Replaces (or appends) keys with raw JSON values; a null value removes the key.</summary>
    public static string With(params (string Key, string? Json)[] changes)
    {
        var fields = Defaults.Select(d => (d.Key, Json: (string?)d.Json)).ToList();
        foreach (var (key, json) in changes)
        {
            int i = fields.FindIndex(f => f.Key == key);
            if (i >= 0)
                fields[i] = (key, json);
            else
                fields.Add((key, json));
        }
        return "{" + string.Join(",", fields.Where(f => f.Json is not null).Select(f => $"\"{f.Key}\":{f.Json}")) + "}";
    }

    public static string Without(string key) => With((key, null));

    /// <summary>A well-formed prevResult for CHECK.</summary>
    public const string PrevResult =
        """{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"{POD}"}],"ips":[{"address":"10.123.0.9/24","interface":0}]}""";

    public static IReadOnlyDictionary<string, string?> Env(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}

/// <summary>
/// One node (a real particled in a namespace of its own) and one pod namespace shared by the whole corpus;
/// every case still checks its own leaks by comparing the node before and after it.
/// </summary>
public sealed class CorpusNode : IDisposable
{
    public CorpusNode()
    {
        Node = new TestNode("10.123.0.0/24");
        try
        {
            Pod = Node.AddPod("pod");
            Scratch = Path.Combine(Node.Dir, "scratch");
            Directory.CreateDirectory(Scratch);
            RegularFile = Path.Combine(Scratch, "regular-file");
            File.WriteAllText(RegularFile, "not a namespace\n");
            Folder = Path.Combine(Scratch, "folder");
            Directory.CreateDirectory(Folder);
            Fifo = Path.Combine(Scratch, "fifo");
            Shell.Check("mkfifo", Fifo);

            // A state folder whose pending-del folder is a symbolic link someone planted, and one that
            // others may write to.
            Planted = Path.Combine(Scratch, "planted-state");
            Directory.CreateDirectory(Planted);
            PlantedTarget = Path.Combine(Scratch, "planted-target");
            Directory.CreateDirectory(PlantedTarget);
            File.CreateSymbolicLink(Path.Combine(Planted, "pending-del"), PlantedTarget);
            Loose = Path.Combine(Scratch, "loose-state");
            Directory.CreateDirectory(Path.Combine(Loose, "pending-del"));
            File.SetUnixFileMode(Path.Combine(Loose, "pending-del"), (UnixFileMode)0x1FF);

            // A listener that is not particled: a socket owned by another user (nobody), and a symbolic
            // link to particled's real socket that connect(2) would follow.
            ForeignSocket = Path.Combine(Scratch, "foreign.sock");
            _foreignListener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
                System.Net.Sockets.ProtocolType.Unspecified);
            _foreignListener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(ForeignSocket));
            _foreignListener.Listen(4);
            Shell.Check("chown", "65534:65534", ForeignSocket);
            LinkSocket = Path.Combine(Scratch, "link.sock");
            File.CreateSymbolicLink(LinkSocket, Node.SocketPath);

            using var exited = Process.Start("true")!;
            exited.WaitForExit();
            DeadNetns = $"/proc/{exited.Id}/ns/net";
        }
        catch
        {
            Node.Dispose();
            throw;
        }
    }

    public TestNode Node { get; }
    public string Pod { get; } = "";
    public string Scratch { get; } = "";
    public string RegularFile { get; } = "";
    public string Folder { get; } = "";
    public string Fifo { get; } = "";
    public string Planted { get; } = "";
    public string PlantedTarget { get; } = "";
    public string Loose { get; } = "";
    public string DeadNetns { get; } = "";
    public string ForeignSocket { get; } = "";
    public string LinkSocket { get; } = "";
    private readonly System.Net.Sockets.Socket? _foreignListener;

    public string Fill(string text, string id) => text
        .Replace("{SOCKET}", Node.SocketPath)
        .Replace("{STATE}", Node.StateDir)
        .Replace("{POD}", Pod)
        .Replace("{DIR}", Node.Dir)
        .Replace("{FILE}", RegularFile)
        .Replace("{FOLDER}", Folder)
        .Replace("{FIFO}", Fifo)
        .Replace("{DEADNS}", DeadNetns)
        .Replace("{TESTPID}", Environment.ProcessId.ToString())
        .Replace("{PREFIX}", Node.Prefix)
        .Replace("{PLANTED}", Planted)
        .Replace("{LOOSE}", Loose)
        .Replace("{FOREIGNSOCK}", ForeignSocket)
        .Replace("{LINKSOCK}", LinkSocket)
        .Replace("{ID}", id);

    /// <summary>Runs the case through the published plugin and asserts its outcome and that nothing leaked.</summary>
    public void Verify(HostileCase c)
    {
        string id = "hc-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(c.Name)))[..12];
        var env = new Dictionary<string, string?>
        {
            ["CNI_COMMAND"] = c.Verb,
            ["CNI_CONTAINERID"] = id,
            ["CNI_NETNS"] = Pod,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_PATH"] = "/opt/cni/bin",
            ["CNI_ARGS"] = "IgnoreUnknown=1;K8S_POD_NAME=test",
        };
        foreach (var (key, value) in c.Env ?? new Dictionary<string, string?>())
            env[key] = value is null ? null : Fill(value, id);
        byte[] stdin = c.RawStdin ?? Encoding.UTF8.GetBytes(Fill(c.Stdin, id));

        var before = Snapshot();
        var run = RunPlugin(env, stdin);
        string context = $"case {c.Name}\n{run}\ndaemon log tail:\n{Tail(Node.DaemonLog)}";

        try
        {
            if (c.Code == 0)
            {
                run.ExitCode.Should().Be(0, context);
            }
            else
            {
                run.ExitCode.Should().NotBe(0, context);
                using var error = JsonDocument.Parse(run.Stdout);
                error.RootElement.GetProperty("code").GetInt32().Should().Be(c.Code, context);
                error.RootElement.GetProperty("msg").GetString().Should().Contain(Fill(c.MessageContains, id), context);
                error.RootElement.GetProperty("cniVersion").GetString().Should().NotBeNullOrEmpty(context);
            }

            var after = Snapshot();
            after.Allocations.Should().Equal(before.Allocations, "no address may be held after: " + context);
            after.NodeLinks.Should().Equal(before.NodeLinks, "no link may appear on the node after: " + context);
            after.PodLinks.Should().Equal("lo");
            var created = after.Files.Except(before.Files).ToList();
            if (c.NoteExpected)
            {
                // The note, and the folders on its way that did not exist yet.
                var note = created.Where(f => !Directory.Exists(f)).Should().ContainSingle(context).Subject;
                note.Should().Contain("/pending-del/").And.EndWith(".json");
                created.Where(Directory.Exists).Should().OnlyContain(d => note.StartsWith(d + "/"), context);
            }
            else
            {
                created.Should().BeEmpty(context);
            }
        }
        finally
        {
            // A note is the right outcome of some cases; it must not linger into the next one.
            foreach (var entry in Snapshot().Files.Except(before.Files).OrderByDescending(f => f.Length))
            {
                if (Directory.Exists(entry) && FileKinds(entry) == "dir")
                    Directory.Delete(entry, recursive: true);
                else if (File.Exists(entry) || FileKinds(entry) == "link")
                    File.Delete(entry);
            }
        }
    }

    private sealed record State(List<string> Allocations, List<string> NodeLinks, List<string> PodLinks, List<string> Files);

    private State Snapshot() => new(
        Node.Allocations().Select(a => $"{a.ContainerId}/{a.IfName}={a.Address}").OrderBy(s => s).ToList(),
        Node.Links().OrderBy(s => s).ToList(),
        Node.Links(Pod),
        Directory.EnumerateFileSystemEntries(Node.Dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !f.EndsWith("ipam.journal", StringComparison.Ordinal))
            .Order().ToList());

    private static ProcessResult RunPlugin(Dictionary<string, string?> env, byte[] stdin)
    {
        var info = new ProcessStartInfo(Binaries.Plugin)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CNI_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in env)
        {
            if (value is not null)
                info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // The plugin stops reading past its limit and exits: a writer that keeps going meets a closed pipe.
        var writer = Task.Run(() =>
        {
            try
            {
                process.StandardInput.BaseStream.Write(stdin);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        });
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the plugin did not finish within 30 s");
        }
        process.WaitForExit();
        writer.Wait(TimeSpan.FromSeconds(5));
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FileKinds(string path) =>
        new FileInfo(path).LinkTarget is not null ? "link" : Directory.Exists(path) ? "dir" : "file";

    private static string Tail(string log) => log.Length <= 2000 ? log : log[^2000..];

    public void Dispose()
    {
        _foreignListener?.Dispose();
        Node.Dispose();
    }
}
