using System.Text;
using CsCheck;

namespace Particle.Tests;

/// <summary>
/// How long a fuzz target runs and where its figures go. In CI every target runs a few seconds;
/// scripts/fuzz.sh sets PARTICLE_FUZZ_SECONDS for longer runs and PARTICLE_FUZZ_REPORT to collect the
/// executions per target. Byte mutation of real inputs (flip, insert, delete, duplicate, truncate,
/// splice in a JSON token) complements the structured generators of each target.
/// </summary>
public static class FuzzBudget
{
    public const int DefaultSeconds = 3;

    public static int Seconds =>
        int.TryParse(Environment.GetEnvironmentVariable("PARTICLE_FUZZ_SECONDS"), out int s) && s > 0 ? s : DefaultSeconds;

    /// <summary>Runs <paramref name="check"/> on inputs of <paramref name="gen"/> for the budget; CsCheck shrinks any failure.</summary>
    public static long Run<T>(string target, Gen<T> gen, Action<T> check, Func<T, string>? print = null)
    {
        long executions = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        gen.Sample(input =>
        {
            Interlocked.Increment(ref executions);
            check(input);
        }, time: Seconds, threads: 1, print: print);
        Report(target, executions, started.Elapsed.TotalSeconds);
        return executions;
    }

    public static void Report(string target, long executions, double seconds)
    {
        string line = $"{target}\t{executions}\t{seconds:F1}";
        if (Environment.GetEnvironmentVariable("PARTICLE_FUZZ_REPORT") is { Length: > 0 } report)
        {
            lock (typeof(FuzzBudget))
                File.AppendAllText(report, line + "\n");
        }
    }

    private static readonly byte[][] Tokens =
    [
        "\"\\ud800\""u8.ToArray(), "1e999"u8.ToArray(), "-0"u8.ToArray(), "null"u8.ToArray(), "["u8.ToArray(),
        "{"u8.ToArray(), "}"u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(), "\""u8.ToArray(),
        "\\"u8.ToArray(), "true"u8.ToArray(), "{}"u8.ToArray(), "[]"u8.ToArray(), "\"\""u8.ToArray(),
        [0xff], [0xc3], [0x00], "99999999999999999999"u8.ToArray(), "\"cniVersion\":\"1.1.0\","u8.ToArray(),
    ];

    /// <summary>Real inputs with 1-8 random edits.</summary>
    public static Gen<byte[]> Mutations(IReadOnlyList<byte[]> seeds) =>
        Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[1, 8])
            .Select(t => Mutate(seeds[t.Item1], t.Item2));

    private static byte[] Mutate(byte[] seed, (int Op, int A, int B)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (op, a, b) in edits)
        {
            int at = bytes.Count == 0 ? 0 : a % (bytes.Count + 1);
            switch (op)
            {
                case 0 when at < bytes.Count: bytes[at] ^= (byte)(1 << (b % 8)); break;
                case 1: bytes.Insert(at, (byte)b); break;
                case 2 when at < bytes.Count: bytes.RemoveRange(at, Math.Min(1 + b % 16, bytes.Count - at)); break;
                case 3 when at < bytes.Count:
                    int n = Math.Min(1 + b % 64, bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, n));
                    break;
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;
                case 5: bytes.InsertRange(at, Tokens[b % Tokens.Length]); break;
                case 6 when at < bytes.Count: bytes[at] = (byte)b; break;
            }
        }
        return [.. bytes];
    }

    public static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
