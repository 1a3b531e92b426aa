using System.CommandLine;

namespace Particle.Ctl.Commands;

/// <summary>The bounded refresh loop of <c>status --watch</c> and <c>events --follow</c>: an interval, an optional count, Ctrl-C.</summary>
public static class Refresh
{
    public const double MinIntervalSeconds = 0.1;
    public const double MaxIntervalSeconds = 3600;
    public const string ClearScreen = "\u001b[H\u001b[2J";

    public static Option<double> IntervalOption() => new("--interval")
    {
        Description = $"Seconds between refreshes ({MinIntervalSeconds}-{MaxIntervalSeconds}).",
        DefaultValueFactory = _ => 2,
    };

    public static Option<int?> CountOption() => new("--count")
    {
        Description = "Stop after this many refreshes (default: until Ctrl-C).",
    };

    public static string? Validate(double interval, int? count)
    {
        if (double.IsNaN(interval) || interval < MinIntervalSeconds || interval > MaxIntervalSeconds)
            return $"--interval {interval} is outside {MinIntervalSeconds}..{MaxIntervalSeconds} seconds";
        if (count is < 1)
            return $"--count {count} must be at least 1";
        return null;
    }

    public static int Refuse(string error)
    {
        Console.Error.WriteLine($"particlectl: {error}");
        return ExitCodes.Usage;
    }

    /// <summary>Runs <paramref name="step"/> every interval until Ctrl-C or <paramref name="count"/> steps; the last step's exit code.</summary>
    public static int Loop(double interval, int? count, Func<int> step)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            int code = ExitCodes.Ok;
            for (int done = 0; count is null || done < count; done++)
            {
                if (done > 0 && stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(interval)))
                    break;
                code = step();
            }
            return code;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
