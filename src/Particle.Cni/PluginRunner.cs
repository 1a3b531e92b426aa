using Particle.Cni.Verbs;
using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// One CNI invocation from environment and stdin to stdout and exit code. Never throws: every failure
/// becomes the one error document the runtime reads from stdout.
/// </summary>
internal static class PluginRunner
{
    /// <summary>Real configurations are a few KiB; a runaway writer must not make the plugin read forever.</summary>
    public const int MaxStdinBytes = 1 << 20;

    public static int Run(IReadOnlyDictionary<string, string> env, Stream stdin, Stream stdout)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Until the configuration is read, errors speak the latest version.
        string errorVersion = CniVersion.Latest;
        CniError? error;
        Invocation? inv = null;
        try
        {
            error = Dispatch(env, stdin, stdout, ref errorVersion, out inv);
        }
        catch (IOException e)
        {
            error = new CniError(ErrorCodes.IoFailure, "I/O failure: " + e.Message);
        }
        catch (Exception e)
        {
            error = new CniError(ErrorCodes.Internal, $"unexpected failure ({e.GetType().Name}): {e.Message}");
        }

        if (error is null)
        {
            Log(inv, null, started);
            return 0;
        }
        try
        {
            stdout.Write(error.ToJson(errorVersion));
            stdout.Flush();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Nothing left to tell the runtime through; the exit code still says it failed.
        }
        StdErr.Log($"error {error.Code}: {error.Msg}" + (error.Details is null ? "" : $" ({error.Details})"));
        Log(inv, error, started);
        return 1;
    }

    /// <summary>The operator's log line, once the answer is out (an invocation whose config named no file logs nothing).</summary>
    private static void Log(Invocation? inv, CniError? error, long started)
    {
        if (inv is not null)
            PluginLog.Write(inv.Conf, inv.Env, error, started);
    }

    private static CniError? Dispatch(IReadOnlyDictionary<string, string> env, Stream stdin, Stream stdout, ref string errorVersion,
        out Invocation? inv)
    {
        var error = Prepare(env, stdin, stdout, ref errorVersion, out inv);
        if (inv is null)
            return error;

        error = inv.Env.Command switch
        {
            CniEnvironment.Add => AddVerb.Run(inv, stdout),
            CniEnvironment.Del => DelVerb.Run(inv),
            CniEnvironment.Check => CheckVerb.Run(inv),
            CniEnvironment.Status => StatusVerb.Run(inv),
            CniEnvironment.Gc => GcVerb.Run(inv),
            _ => new CniError(ErrorCodes.Internal, $"no handler for {inv.Env.Command}"),
        };
        stdout.Flush();
        return error;
    }

    /// <summary>
    /// Everything the plugin does before it talks to particled: the environment, stdin, the configuration
    /// (VERSION is answered here). An invocation to carry out, or null with the error (null too when VERSION
    /// was answered). Touches nothing outside the process, so it can be fuzzed freely.
    /// </summary>
    internal static CniError? Prepare(IReadOnlyDictionary<string, string> env, Stream stdin, Stream stdout,
        ref string errorVersion, out Invocation? invocation)
    {
        invocation = null;
        // The environment is judged before stdin is read, as skel does.
        if (!CniEnvironment.TryRead(env, out var cniEnv, out var envError))
            return envError;

        if (!TryReadStdin(stdin, out byte[] input))
            return CniError.Decode($"the network configuration on stdin is larger than {MaxStdinBytes} bytes");

        if (cniEnv.Command == CniEnvironment.Version)
        {
            VersionVerb.Run(input, stdout);
            stdout.Flush();
            return null;
        }

        if (NetConf.PeekVersion(input) is { } peeked && CniVersion.IsSupported(peeked))
            errorVersion = peeked;
        if (!NetConf.TryParse(input, out var conf, out var confError))
            return confError;

        invocation = new Invocation(cniEnv, conf);
        return null;
    }

    /// <summary>
    /// Reads at most one byte past the limit, so an oversized input is detected without reading it all. The
    /// buffer starts at 16 KiB (real configurations fit) and doubles: a fresh process pays for every page
    /// it touches, so it does not allocate 64 KiB plus a growing copy up front.
    /// </summary>
    private static bool TryReadStdin(Stream stdin, out byte[] input)
    {
        int limit = MaxStdinBytes + 1;
        byte[] buffer = new byte[16 * 1024];
        int length = 0;
        while (length < limit)
        {
            if (length == buffer.Length)
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, limit));
            int n = stdin.Read(buffer, length, buffer.Length - length);
            if (n == 0)
                break;
            length += n;
        }
        input = buffer.AsSpan(0, length).ToArray();
        return input.Length <= MaxStdinBytes;
    }
}
