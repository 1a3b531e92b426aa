using Particle.Daemon.Ipam;

namespace Particle.Daemon.Tests.Ipam;

public class IpamStoreTests
{
    private readonly Dictionary<string, Particle.Daemon.Configuration.NetworkDefinition> _networks = TestNetworks.Map(TestNetworks.Define());

    [Fact]
    public async Task A_committed_allocation_survives_reopening()
    {
        using var dir = new TempDir();
        var id = new AttachmentId("pods", "c1", "eth0");
        string address;
        using (var store = IpamStore.Open(dir.File("j"), _networks))
        {
            var allocation = store.Reserve(id, "/run/netns/x")!;
            await store.CommitAsync(allocation);
            address = allocation.Address.ToString();
        }

        using var reopened = IpamStore.Open(dir.File("j"), _networks);

        var found = reopened.Find(id);
        found.Should().NotBeNull();
        found!.Address.ToString().Should().Be(address);
        found.Committed.Should().BeTrue();
        found.Netns.Should().Be("/run/netns/x");
        reopened.Usage("pods").InUse.Should().Be(1);
    }

    [Fact]
    public void A_reservation_that_was_never_committed_is_gone_after_reopening()
    {
        using var dir = new TempDir();
        using (var store = IpamStore.Open(dir.File("j"), _networks))
            store.Reserve(new AttachmentId("pods", "c1", "eth0"), null).Should().NotBeNull();

        using var reopened = IpamStore.Open(dir.File("j"), _networks);

        reopened.List().Should().BeEmpty();
        reopened.Usage("pods").InUse.Should().Be(0);
    }

    [Fact]
    public async Task A_release_is_remembered_and_the_address_is_free_again()
    {
        using var dir = new TempDir();
        var id = new AttachmentId("pods", "c1", "eth0");
        using (var store = IpamStore.Open(dir.File("j"), _networks))
        {
            var allocation = store.Reserve(id, null)!;
            await store.CommitAsync(allocation);
            store.Release(allocation).Should().BeTrue();
            store.Release(allocation).Should().BeFalse("releasing twice is a no-op");
            await store.CommitAsync(store.Reserve(new AttachmentId("pods", "c2", "eth0"), null)!); // flushes the release too
        }

        using var reopened = IpamStore.Open(dir.File("j"), _networks);

        reopened.Find(id).Should().BeNull();
        reopened.List().Select(a => a.Id.ContainerId).Should().Equal("c2");
    }

    [Fact]
    public async Task A_line_torn_by_a_crash_is_ignored_and_cut_off()
    {
        using var dir = new TempDir();
        var path = dir.File("j");
        using (var store = IpamStore.Open(path, _networks))
            await store.CommitAsync(store.Reserve(new AttachmentId("pods", "c1", "eth0"), null)!);
        File.AppendAllText(path, """{"op":"add","network":"pods","containerId":"c2","ifName":"eth0","addr""");

        using (var reopened = IpamStore.Open(path, _networks))
        {
            reopened.List().Select(a => a.Id.ContainerId).Should().Equal("c1");
            await reopened.CommitAsync(reopened.Reserve(new AttachmentId("pods", "c3", "eth0"), null)!);
        }

        File.ReadAllLines(path).Should().HaveCount(2, "the torn line was cut before the next append")
            .And.AllSatisfy(line => line.Should().StartWith("{").And.EndWith("}"));
        using var again = IpamStore.Open(path, _networks);
        again.List().Select(a => a.Id.ContainerId).Should().BeEquivalentTo(["c1", "c3"]);
        again.RecoveryWarnings.Should().BeEmpty();
    }

    [Fact]
    public void Records_of_unknown_networks_or_foreign_addresses_are_dropped_with_a_warning()
    {
        using var dir = new TempDir();
        var path = dir.File("j");
        File.WriteAllLines(path,
        [
            """{"op":"add","network":"gone","containerId":"c1","ifName":"eth0","address":"10.9.0.2","unixMs":1}""",
            """{"op":"add","network":"pods","containerId":"c2","ifName":"eth0","address":"10.99.0.2","unixMs":1}""",
            """{"op":"add","network":"pods","containerId":"c3","ifName":"eth0","address":"10.77.0.7","unixMs":1}""",
            """{"op":"add","network":"pods","containerId":"c4","ifName":"eth0","address":"10.77.0.7","unixMs":1}""",
            "garbage",
        ]);

        using var store = IpamStore.Open(path, _networks);

        store.List().Select(a => a.Id.ContainerId).Should().Equal("c3");
        store.RecoveryWarnings.Should().HaveCount(4);
        store.RecoveryWarnings.Should().Contain(w => w.Contains("no longer configured"))
            .And.Contain(w => w.Contains("held twice"))
            .And.Contain(w => w.Contains("unreadable"));
    }

    [Fact]
    public async Task Compaction_keeps_exactly_the_committed_allocations()
    {
        using var dir = new TempDir();
        var path = dir.File("j");
        using (var store = IpamStore.Open(path, _networks))
        {
            for (int i = 0; i < 20; i++)
            {
                var allocation = store.Reserve(new AttachmentId("pods", $"c{i}", "eth0"), null)!;
                await store.CommitAsync(allocation);
                if (i % 2 == 0)
                    store.Release(allocation);
            }
            store.Reserve(new AttachmentId("pods", "uncommitted", "eth0"), null);
            store.Compact();
        }

        File.ReadAllLines(path).Should().HaveCount(10);
        using var reopened = IpamStore.Open(path, _networks);
        reopened.List().Select(a => a.Id.ContainerId).Should().BeEquivalentTo(
            Enumerable.Range(0, 20).Where(i => i % 2 == 1).Select(i => $"c{i}"));
    }

    [Fact]
    public async Task Concurrent_commits_give_distinct_addresses_and_all_survive()
    {
        using var dir = new TempDir();
        var path = dir.File("j");
        var networks = TestNetworks.Map(TestNetworks.Define(subnet: "10.77.0.0/22"));
        List<string> addresses;
        using (var store = IpamStore.Open(path, networks))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 32 },
                async (i, _) => await store.CommitAsync(store.Reserve(new AttachmentId("pods", $"c{i}", "eth0"), null)!));
            addresses = store.List().Select(a => a.Address.ToString()).ToList();
        }

        addresses.Should().HaveCount(500).And.OnlyHaveUniqueItems();
        using var reopened = IpamStore.Open(path, networks);
        reopened.List().Select(a => a.Address.ToString()).Should().BeEquivalentTo(addresses);
    }

    [Fact]
    public void Reserve_returns_null_when_the_network_is_full_and_refuses_a_second_address_per_attachment()
    {
        using var dir = new TempDir();
        var networks = TestNetworks.Map(TestNetworks.Define(subnet: "10.77.0.0/30"));
        using var store = IpamStore.Open(dir.File("j"), networks);

        store.Reserve(new AttachmentId("pods", "c1", "eth0"), null).Should().NotBeNull();
        store.Reserve(new AttachmentId("pods", "c2", "eth0"), null).Should().BeNull("a /30 has one pod address");
        FluentActions.Invoking(() => store.Reserve(new AttachmentId("pods", "c1", "eth0"), null))
            .Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void A_journal_that_is_a_symbolic_link_is_refused_and_its_target_untouched()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("elsewhere"), "precious");
        File.CreateSymbolicLink(dir.File("j"), dir.File("elsewhere"));

        FluentActions.Invoking(() => IpamStore.Open(dir.File("j"), _networks))
            .Should().Throw<IOException>().WithMessage("*symbolic*refusing*");
        File.ReadAllText(dir.File("elsewhere")).Should().Be("precious");
    }

    [Fact]
    public void An_existing_journal_is_made_private()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("j"), "");
        File.SetUnixFileMode(dir.File("j"), (UnixFileMode)0x1B6); // 0666

        using var store = IpamStore.Open(dir.File("j"), _networks);

        File.GetUnixFileMode(dir.File("j")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}

public class IpamStoreRebindTests
{
    private readonly Dictionary<string, Particle.Daemon.Configuration.NetworkDefinition> _networks = TestNetworks.Map(TestNetworks.Define());

    [Fact]
    public async Task A_rebound_entry_is_the_new_attachments_after_reopening_without_any_fsync_of_its_own()
    {
        using var dir = new TempDir();
        var entryId = new AttachmentId("pods", "_endpoint-0", "eth0");
        var podId = new AttachmentId("pods", "c1", "eth0");
        string address;
        using (var store = IpamStore.Open(dir.File("j"), _networks))
        {
            var entry = store.Reserve(entryId, null)!;
            await store.CommitManyAsync([entry]);
            var rebound = store.Rebind(entry, podId, "/run/netns/p1");
            address = rebound.Address.ToString();
            rebound.Address.Should().Be(entry.Address);
            rebound.Committed.Should().BeTrue();
            store.Find(entryId).Should().BeNull();
            store.Usage("pods").InUse.Should().Be(1);
            // Reopened while this store is still open: what a SIGKILL right now would leave.
            using var crashed = IpamStore.Open(dir.File("j"), _networks);
            crashed.Find(podId)!.Address.ToString().Should().Be(address);
        }

        using var reopened = IpamStore.Open(dir.File("j"), _networks);

        reopened.Find(entryId).Should().BeNull();
        reopened.Find(podId)!.Address.ToString().Should().Be(address);
        reopened.Find(podId)!.Netns.Should().Be("/run/netns/p1");
        reopened.Usage("pods").InUse.Should().Be(1);
    }

    [Fact]
    public async Task Rebind_refuses_an_uncommitted_entry_or_a_key_that_holds_an_address()
    {
        using var dir = new TempDir();
        using var store = IpamStore.Open(dir.File("j"), _networks);
        var uncommitted = store.Reserve(new AttachmentId("pods", "_endpoint-0", "eth0"), null)!;
        var entry = store.Reserve(new AttachmentId("pods", "_endpoint-1", "eth0"), null)!;
        await store.CommitManyAsync([entry]);
        var holder = store.Reserve(new AttachmentId("pods", "c1", "eth0"), null)!;

        var act1 = () => store.Rebind(uncommitted, new AttachmentId("pods", "c2", "eth0"), null);
        var act2 = () => store.Rebind(entry, holder.Id, null);

        act1.Should().Throw<InvalidOperationException>();
        act2.Should().Throw<InvalidOperationException>();
        store.Find(entry.Id).Should().BeSameAs(entry, "a refused rebind changes nothing");
    }
}
