using System.Collections.Concurrent;
using System.Diagnostics;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>What one burst measured: per-sandbox RunPodSandbox and StopPodSandbox+Remove times, and the wall time until all were ready.</summary>
public sealed record BurstResult(string System, int Count, int Concurrency, double[] RunMs, double ReadyWallMs, double[] StopMs,
    IReadOnlyList<string> Addresses)
{
    public string Row() =>
        $"cri-burst,{System},{Count},{Concurrency},{Percentile(RunMs, 50):F1},{Percentile(RunMs, 99):F1},{ReadyWallMs:F0}," +
        $"{Percentile(StopMs, 50):F1},{Percentile(StopMs, 99):F1}";

    public const string Header = "cri-burst,system,pods,concurrency,run_p50_ms,run_p99_ms,all_ready_ms,stop_p50_ms,stop_p99_ms";

    /// <summary>Nearest rank, as scripts/bench.sh computes it.</summary>
    public static double Percentile(double[] values, int p)
    {
        var sorted = values.Order().ToArray();
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// N RunPodSandbox calls with C in flight, as kubelet starting many pods at once; RunPodSandbox returns
/// once the sandbox is ready (network attached, pause running). Then Stop and Remove of every one with
/// the same concurrency. The sandboxes' IPs come from PodSandboxStatus.
/// </summary>
public static class SandboxBurst
{
    public static BurstResult Run(CriContainerd containerd, string system, int count, int concurrency, string runtimeHandler = "",
        bool hostNetwork = false)
    {
        var ids = new ConcurrentBag<string>();
        var runMs = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        ForEach(count, concurrency, i =>
        {
            long started = Stopwatch.GetTimestamp();
            ids.Add(containerd.RunPodSandbox($"{system}-{i}", runtimeHandler: runtimeHandler, hostNetwork: hostNetwork));
            runMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        double readyWall = clock.Elapsed.TotalMilliseconds;
        var list = ids.ToList();
        var addresses = list.Select(id => containerd.Cri.PodSandboxStatus(id).Status.Network?.Ip ?? "").ToList();

        var stopMs = new ConcurrentBag<double>();
        ForEach(list.Count, concurrency, i =>
        {
            long started = Stopwatch.GetTimestamp();
            containerd.Cri.StopPodSandbox(list[i]);
            containerd.Cri.RemovePodSandbox(list[i]);
            stopMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        return new BurstResult(system, count, concurrency, [.. runMs], readyWall, [.. stopMs], addresses);
    }

    /// <summary>Runs <paramref name="work"/> for 0..count-1 on exactly <paramref name="concurrency"/> threads (gRPC calls here block).</summary>
    private static void ForEach(int count, int concurrency, Action<int> work)
    {
        int next = -1;
        var errors = new ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, concurrency).Select(_ => new Thread(() =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    work(i);
                }
                catch (Exception e)
                {
                    errors.Enqueue(e);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        if (!errors.IsEmpty)
            throw new AggregateException(errors);
    }
}
