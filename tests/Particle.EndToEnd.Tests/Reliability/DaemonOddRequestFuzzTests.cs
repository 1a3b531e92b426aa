using CsCheck;
using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;
using Particle.Tests;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// Requests that decode but make little sense (unknown verbs and networks, odd ids and interface names,
/// namespace paths that are files, folders, devices or the daemon's own namespace, GC lists and CHECK
/// expectations of any shape) sent to a real particled for the fuzz budget. Property: each gets an
/// answer that is not "internal error", particled stays up, and once every attachment the run created is
/// deleted, nothing is left: no allocation, no host veth, no interface in the pods.
/// </summary>
public sealed class DaemonOddRequestFuzzTests
{
    [Fact]
    public async Task Odd_requests_get_typed_answers_and_leave_nothing_behind()
    {
        using var node = new TestNode(namePrefix: "prl");
        var pods = Enumerable.Range(0, 3).Select(i => node.AddPod($"odd{i}")).ToList();
        File.WriteAllText(Path.Combine(node.Dir, "regular"), "x");

        var text = Gen.Frequency((4, Gen.OneOf("c1", "c2", "eth0", "eth1", "", "-", "a/b", "../x", "a\nb", "x\u0000", new string('n', 300), "lo", "pte0")),
            (1, Gen.String[0, 20]));
        var netns = Gen.OneOf([.. pods, "", "relative", "/dev/null", node.Dir, Path.Combine(node.Dir, "regular"), "/proc/self/ns/net",
            "/proc/self/ns/mnt", "/run/netns/prl-absent", pods[0] + "/"]);
        var verb = Gen.Frequency((6, Gen.OneOf(Verbs.Add, Verbs.Del, Verbs.Check, Verbs.Gc, Verbs.Status, Verbs.List, Verbs.Claim, Verbs.Release, Verbs.NodeStatus)),
            (1, Gen.OneOf("add", "", "VERSION")));
        var request = Gen.Select(verb, Gen.Frequency((5, Gen.Const(TestNode.NetworkName)), (1, Gen.OneOf("", "other", "E2E"))),
                Gen.Select(Gen.Frequency((4, Gen.OneOf("c1", "c2", "c3")), (1, text)), Gen.Frequency((4, Gen.OneOf("eth0", "eth1")), (1, text)), netns),
                Gen.Select(text, text).Array[0, 3], text.Array[0, 2], Gen.Select(text, text).Array[0, 2].Null())
            .Select(t => new DaemonRequest
            {
                Verb = t.Item1, Network = t.Item2, ContainerId = t.Item3.Item1, IfName = t.Item3.Item2, Netns = t.Item3.Item3,
                Args = t.Item4.DistinctBy(a => a.Item1).ToDictionary(a => a.Item1, a => a.Item2),
                ExpectedAddresses = [.. t.Item5],
                ValidAttachments = t.Item6?.Select(v => new AttachmentKey { ContainerId = v.Item1, IfName = v.Item2 }).ToList(),
            });

        var attached = new HashSet<(string, string, string)>();
        var codes = new Dictionary<int, int>();
        long runs = FuzzBudget.Run("daemon/odd-requests", request, r =>
        {
            var response = RawDaemonClient.ExchangeAsync(node.SocketPath, r).GetAwaiter().GetResult();
            response.Should().NotBeNull($"particled answers {r.Verb} {r.ContainerId}/{r.IfName} {r.Netns}");
            response!.Code.Should().NotBe(ErrorCodes.Internal, response.Message);
            codes[response.Code] = codes.GetValueOrDefault(response.Code) + 1;
            if (r.Verb == Verbs.Add && response.Code == 0)
                attached.Add((r.ContainerId!, r.IfName!, r.Netns!));
        }, r => $"{r.Verb} {r.Network} {r.ContainerId}/{r.IfName} netns={r.Netns}");
        Console.WriteLine($"odd requests: {runs}, codes {System.Text.Json.JsonSerializer.Serialize(codes)}, ADDs that succeeded {attached.Count}");

        foreach (var (container, ifName, ns) in attached)
        {
            var del = await RawDaemonClient.ExchangeAsync(node.SocketPath,
                new DaemonRequest { Verb = Verbs.Del, Network = TestNode.NetworkName, ContainerId = container, IfName = ifName, Netns = ns });
            del!.Code.Should().Be(0, del.Message);
        }
        node.Allocations().Should().BeEmpty();
        // Retired pairs are deleted in the background, in one request after a short gather.
        Poll.Until(() => node.Links().Order().SequenceEqual(["lo", "pte0"]), TimeSpan.FromSeconds(10)).Should().BeTrue(string.Join(", ", node.Links()));
        foreach (var pod in pods)
            node.Links(pod).Should().BeEquivalentTo(["lo"]);
        node.DaemonLog.Should().NotContain("request failed unexpectedly");
    }
}
