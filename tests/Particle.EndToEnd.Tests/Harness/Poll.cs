using System.Diagnostics;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>Waits for a condition that asks a process or the daemon: checked every 50 ms, not in a spin.</summary>
public static class Poll
{
    public static bool Until(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                return false;
            Thread.Sleep(50);
        }
        return true;
    }
}
