using System.Diagnostics;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>A <see cref="TestNode"/> whose network has an endpoint pool with the given policy.</summary>
public sealed class EndpointPoolNode : IDisposable
{
    public EndpointPoolNode(int target, int min, int max, int refillBatch, int idleShrinkSeconds = 0, string subnet = "10.127.0.0/22")
    {
        Node = new TestNode(subnet, start: false);
        try
        {
            File.WriteAllText(Node.ConfigPath, $$"""
                {
                  "stateDir": "{{Node.StateDir}}",
                  "socketPath": "{{Node.SocketPath}}",
                  "pendingDeleteScanSeconds": 1,
                  "networks": [ { "name": "{{TestNode.NetworkName}}", "subnet": "{{subnet}}", "gatewayInterface": "ptep0", "mtu": 1400,
                                  "endpointPool": { "target": {{target}}, "min": {{min}}, "max": {{max}},
                                                    "refillBatch": {{refillBatch}}, "idleShrinkSeconds": {{idleShrinkSeconds}} } } ]
                }
                """);
            Node.StartDaemon();
        }
        catch
        {
            Node.Dispose();
            throw;
        }
    }

    public TestNode Node { get; }

    public NetworkStatusInfo Status() => Node.Ask(new DaemonRequest { Verb = Verbs.NodeStatus }).Networks!.Single();

    public EndpointPoolStatusInfo Pool() => Status().EndpointPool!;

    /// <summary>Waits until <paramref name="done"/> holds for the pool's status; throws with the last status after 20 s.</summary>
    public NetworkStatusInfo WaitFor(Func<NetworkStatusInfo, bool> done, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var status = Status();
            if (done(status))
                return status;
            if (deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                var p = status.EndpointPool;
                throw new TimeoutException($"{what}: free {p?.Free}, target {p?.Target}, taken {p?.Taken}, refilled {p?.Refilled}, " +
                    $"retired pending {status.RetiredPending}, last error {p?.LastError}\n{Node.DaemonLog}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits until the pool holds its working target and nothing retired is waiting for deletion.</summary>
    public EndpointPoolStatusInfo WaitFull() =>
        WaitFor(s => s.EndpointPool!.Free == s.EndpointPool.Target && s.EndpointPool.Filling == 0 && s.RetiredPending == 0, "pool did not refill").EndpointPool!;

    /// <summary>Pool entries among the daemon's allocations (particled's own ids).</summary>
    public List<AllocationInfo> Entries() => Node.Allocations().Where(a => a.ContainerId.StartsWith("_endpoint-", StringComparison.Ordinal)).ToList();

    /// <summary>Allocations of CNI attachments.</summary>
    public List<AllocationInfo> Attachments() => Node.Allocations().Where(a => !a.ContainerId.StartsWith("_endpoint-", StringComparison.Ordinal)).ToList();

    /// <summary>Veth ends on the node: attachments' (pc*) and retired ones (pz*).</summary>
    public List<string> Veths() => Node.Links().Where(l => l.StartsWith("pc", StringComparison.Ordinal) || l.StartsWith("pz", StringComparison.Ordinal)).ToList();

    public void Dispose() => Node.Dispose();
}
