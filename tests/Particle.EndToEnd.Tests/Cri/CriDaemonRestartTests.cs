using System.Collections.Concurrent;
using Grpc.Core;
using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// particled SIGKILLed and restarted in the middle of a sandbox burst, as an OOM kill or a DaemonSet
/// rollout would: every RunPodSandbox either returns a ready sandbox or fails (containerd tears the
/// failed one down, with a DEL the plugin answers while particled is away), kubelet's retries succeed,
/// and particled ends up holding exactly the addresses of the ready sandboxes.
/// </summary>
public sealed class CriDaemonRestartTests : IDisposable
{
    private const int Pods = 16;
    private const int InFlight = 6;
    private const int Attempts = 4;

    private readonly ITestOutputHelper _output;
    private readonly TestNode _node = new(subnet: "10.136.0.0/24", namePrefix: "pcri");
    private readonly CriContainerd _containerd;

    public CriDaemonRestartTests(ITestOutputHelper output)
    {
        _output = output;
        try
        {
            _containerd = new CriContainerd(_node, record: false);
        }
        catch
        {
            _node.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _containerd.Dispose();
        _node.Dispose();
    }

    [Fact]
    public void Sandboxes_started_while_particled_restarts_are_ready_or_fail_cleanly_and_retries_succeed()
    {
        var ready = new ConcurrentDictionary<int, string>();
        var failures = new ConcurrentQueue<string>();
        var burst = new Thread(() => Parallel.For(0, Pods, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, i =>
        {
            try
            {
                ready[i] = _containerd.RunPodSandbox($"pod{i}");
            }
            catch (RpcException e)
            {
                failures.Enqueue(e.Status.Detail);
            }
        }));
        burst.Start();
        // Kill once a few are attached, so that some ADDs are in flight, some not yet begun.
        Poll.Until(() => _node.Allocations().Count >= 3 || !burst.IsAlive, TimeSpan.FromSeconds(60)).Should().BeTrue();
        _node.KillDaemon();
        Thread.Sleep(500);
        _node.StartDaemon();
        burst.Join(TimeSpan.FromMinutes(3)).Should().BeTrue("every RunPodSandbox returns");
        _output.WriteLine($"{ready.Count} ready, {failures.Count} failed in the burst; first failure: {failures.FirstOrDefault()}");

        // kubelet retries a failed sandbox (a new attempt, a new sandbox id).
        foreach (var i in Enumerable.Range(0, Pods).Where(i => !ready.ContainsKey(i)))
        {
            for (int attempt = 1; attempt <= Attempts && !ready.ContainsKey(i); attempt++)
            {
                try
                {
                    ready[i] = _containerd.RunPodSandbox($"pod{i}");
                }
                catch (RpcException e) when (attempt < Attempts)
                {
                    _output.WriteLine($"pod{i} attempt {attempt}: {e.Status.Detail}");
                }
            }
        }

        ready.Should().HaveCount(Pods);
        var addresses = ready.Values.ToDictionary(id => id, id => _containerd.Cri.PodSandboxStatus(id).Status.Network.Ip);
        addresses.Values.Should().OnlyHaveUniqueItems();
        // What an ADD cut short left is released by particled's start-up recovery or its housekeeping.
        Poll.Until(() => _node.Allocations().Count == Pods, TimeSpan.FromSeconds(30))
            .Should().BeTrue($"particled holds only the ready sandboxes' addresses\n{_node.DaemonLog}");
        _node.Allocations().Select(a => (a.ContainerId, a.Address)).Should().BeEquivalentTo(addresses.Select(p => (p.Key, p.Value)));

        foreach (var id in ready.Values)
        {
            _containerd.Cri.StopPodSandbox(id);
            _containerd.Cri.RemovePodSandbox(id);
        }
        _node.Allocations().Should().BeEmpty();
    }
}
