using Particle.EndToEnd.Tests.Harness;
using Xunit.Abstractions;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// The sandbox burst of scripts/bench-cri.sh: the same containerd starts N pods C at a time three ways,
/// particle (containerd's default handler), the reference bridge + host-local (a second runtime handler
/// with its own cni_conf_dir) and host-network pods (no CNI call: the sandbox start-up without any
/// network, so the difference is the network's share). This test asserts correctness only (every
/// sandbox ready with its own address, everything released); the figures it prints are what the script
/// collects. PARTICLE_CRI_BURST="N C [ORDER]" sets the size (default: the quick CI run) and the order the
/// systems run in (comma-separated; the script rotates it between rounds so no system always goes first).
/// </summary>
public sealed class CriBurstTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly TestNode _node = new(subnet: "10.133.0.0/24", namePrefix: "pcri");
    private readonly CriContainerd _containerd;

    public CriBurstTests(ITestOutputHelper output)
    {
        _output = output;
        try
        {
            _containerd = new CriContainerd(_node, record: false, reference: true);
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
    public void A_burst_of_sandboxes_is_ready_with_distinct_addresses_under_particle_and_the_reference_and_leaves_nothing()
    {
        var size = (Environment.GetEnvironmentVariable("PARTICLE_CRI_BURST") ?? "12 4").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int count = int.Parse(size[0]), concurrency = int.Parse(size[1]);
        // The first sandbox unpacks the pause image's snapshot: not part of anyone's figures.
        SandboxBurst.Run(_containerd, "warmup", 1, 1, hostNetwork: true);

        var order = size.Length > 2 ? size[2].Split(',') : ["particle", "reference", "hostnet"];
        var bySystem = order.ToDictionary(system => system, system => system switch
        {
            "particle" => SandboxBurst.Run(_containerd, system, count, concurrency),
            "reference" => SandboxBurst.Run(_containerd, system, count, concurrency, runtimeHandler: CriContainerd.ReferenceHandler),
            "hostnet" => SandboxBurst.Run(_containerd, system, count, concurrency, hostNetwork: true),
            _ => throw new ArgumentException($"unknown system {system} in PARTICLE_CRI_BURST"),
        });
        var results = new[] { bySystem["particle"], bySystem["reference"], bySystem["hostnet"] };

        _output.WriteLine(BurstResult.Header);
        foreach (var result in results)
            _output.WriteLine(result.Row());
        foreach (var result in results.Take(2))
        {
            result.RunMs.Should().HaveCount(count, $"every {result.System} sandbox is ready");
            result.Addresses.Should().OnlyHaveUniqueItems().And.NotContain("", $"every {result.System} sandbox has an address of its own");
        }
        results[0].Addresses.Should().OnlyContain(a => a.StartsWith("10.133.0."));
        results[1].Addresses.Should().OnlyContain(a => a.StartsWith("10.134."));
        results[2].RunMs.Should().HaveCount(count);

        // Everything released: particled's addresses and veths, host-local's reservations.
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith("pc") || l.StartsWith("veth"));
        Directory.EnumerateFiles(_containerd.HostLocalDir, "10.*", SearchOption.AllDirectories).Should().BeEmpty();
        _containerd.Cri.ListPodSandbox().Should().BeEmpty();
    }
}
