using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>
/// A libnftables context: the library nft itself uses, so commands are nft's own syntax and no nft
/// process is started. Every <see cref="Run"/> is one nf_tables transaction: all of the buffer applies,
/// or (on any error, the kernel's included) none of it.
/// </summary>
/// <remarks>
/// Namespaces: libnftables 1.0.x opens its netlink socket in nft_ctx_new, in the network namespace of
/// the calling thread, and keeps it for the context's life. Create the context inside the namespace it
/// must act on (<see cref="OpenIn"/> does so on a fresh thread); later calls may come from any thread and
/// still act there. One caveat: names nft resolves itself (<c>iif</c>/<c>oif</c> with a device name, host
/// names) are looked up in the namespace of the calling thread, so use <c>iifname</c>/<c>oifname</c>, or
/// call from a thread inside the same namespace (particled runs wholly inside its node namespace).
/// Threads: a context is not thread-safe; calls are serialised here.
/// </remarks>
public sealed partial class Nftables : IDisposable
{
    // socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER): what libnftables opens.
    private const int NETLINK_NETFILTER = 12;

    private static readonly string[] Families = ["ip", "ip6", "inet", "arp", "bridge", "netdev"];

    private readonly NftablesContextHandle _context;
    private readonly Lock _lock = new();

    private Nftables(NftablesContextHandle context)
    {
        _context = context;
    }

    /// <summary>A context bound to the calling thread's network namespace, with output and errors buffered.</summary>
    /// <exception cref="NftablesUnavailableException">libnftables.so.1 is missing, or the kernel has no nfnetlink or nf_tables.</exception>
    public static Nftables Open()
    {
        EnsureLibrary(LibNftables.Name);
        EnsureNfnetlink();
        NftablesContextHandle context;
        try
        {
            context = LibNftables.CtxNew(LibNftables.NFT_CTX_DEFAULT);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw Missing(LibNftables.Name, e);
        }
        if (context.IsInvalid)
        {
            throw new NftablesUnavailableException("nft_ctx_new failed: libnftables could not create a context");
        }
        // Without buffering libnftables prints to the process's stdout and stderr.
        if (LibNftables.CtxBufferOutput(context) != 0 || LibNftables.CtxBufferError(context) != 0)
        {
            context.Dispose();
            throw new NftablesUnavailableException("nft_ctx_buffer_output/nft_ctx_buffer_error failed");
        }
        var nft = new Nftables(context);
        try
        {
            // nfnetlink without nf_tables (or without the right to use it) answers nothing useful: one
            // read-only round trip now turns that into the start-up error instead of a failure per change.
            nft.Run("list tables");
        }
        catch (NftablesException e)
        {
            nft.Dispose();
            throw new NftablesUnavailableException($"nf_tables is not usable here: {e.Error.Trim()}", e);
        }
        return nft;
    }

    /// <summary>A context whose netlink socket lives in <paramref name="netns"/>, created on a fresh thread inside it.</summary>
    public static Nftables OpenIn(NetworkNamespace netns) => netns.Run(Open);

    /// <summary>
    /// Runs a buffer of nft commands (nft -f syntax, one per line or separated by ';') as one transaction;
    /// returns what nft would print (empty for most changes).
    /// </summary>
    /// <exception cref="NftablesException">Any command failed; nothing of the buffer was applied.</exception>
    public string Run(string commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_context.IsClosed, this);
            int rc = LibNftables.RunCmdFromBuffer(_context, commands);
            // Read both every time: each get also starts a fresh buffer for the next call.
            string output = Text(LibNftables.CtxGetOutputBuffer(_context));
            string error = Text(LibNftables.CtxGetErrorBuffer(_context));
            if (rc != 0)
            {
                throw new NftablesException(Summary(commands), error.Length > 0 ? error : $"nft_run_cmd_from_buffer returned {rc}");
            }
            return output;
        }
    }

    /// <summary>`nft -j list WHAT` (e.g. "tables", "table inet particle"): the JSON document as text.</summary>
    public string ListJson(string what)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_context.IsClosed, this);
            uint flags = LibNftables.CtxOutputGetFlags(_context);
            LibNftables.CtxOutputSetFlags(_context, flags | LibNftables.NFT_CTX_OUTPUT_JSON);
            try
            {
                return Run("list " + what);
            }
            finally
            {
                // With the JSON flag set, libnftables also tries to parse input as JSON first.
                LibNftables.CtxOutputSetFlags(_context, flags);
            }
        }
    }

    /// <summary>Whether table FAMILY NAME exists, from `list tables` (not from an error message).</summary>
    public bool TableExists(string family, string name)
    {
        CheckTable(family, name);
        using JsonDocument document = JsonDocument.Parse(ListJson("tables"));
        foreach (JsonElement item in document.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("table", out JsonElement table)
                && table.GetProperty("family").GetString() == family
                && table.GetProperty("name").GetString() == name)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>`nft list table FAMILY NAME`, as text.</summary>
    /// <exception cref="NftablesException">The table does not exist.</exception>
    public string ListTable(string family, string name)
    {
        CheckTable(family, name);
        return Run($"list table {family} {name}");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _context.Dispose();
        }
    }

    /// <summary>Throws the start-up error when the library cannot be loaded (internal: tests pass a name that does not exist).</summary>
    internal static void EnsureLibrary(string library)
    {
        if (!NativeLibrary.TryLoad(library, typeof(Nftables).Assembly, null, out _))
        {
            throw Missing(library, null);
        }
    }

    // libnftables 1.0.x calls exit() when it cannot open its netlink socket: find out first, so a kernel
    // without nfnetlink is an exception the daemon reports, not a silent end of the process.
    private static void EnsureNfnetlink()
    {
        try
        {
            using NetlinkSocket probe = NetlinkSocket.Open(NETLINK_NETFILTER);
        }
        catch (LinuxException e)
        {
            throw new NftablesUnavailableException($"the kernel offers no nf_tables netlink socket (NETLINK_NETFILTER): {e.Message}", e);
        }
    }

    private static NftablesUnavailableException Missing(string library, Exception? inner) =>
        new($"{library} not found: install libnftables1", inner);

    // Family and name go into command text: accept only what nft accepts as an identifier, so a name can
    // never smuggle in a second command.
    private static void CheckTable(string family, string name)
    {
        if (Array.IndexOf(Families, family) < 0)
        {
            throw new ArgumentException($"'{family}' is not an nftables family ({string.Join(", ", Families)})", nameof(family));
        }
        if (!Identifier().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not an nftables table name", nameof(name));
        }
    }

    private static string Text(nint buffer) => buffer == 0 ? "" : Marshal.PtrToStringUTF8(buffer) ?? "";

    private static string Summary(string commands)
    {
        string[] lines = commands.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0)
        {
            return "an empty buffer";
        }
        string first = lines[0].Length > 80 ? lines[0][..80] + "…" : lines[0];
        return lines.Length == 1 ? $"'{first}'" : $"'{first}' (+{lines.Length - 1} lines)";
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.\\-]{0,255}$")]
    private static partial Regex Identifier();
}
