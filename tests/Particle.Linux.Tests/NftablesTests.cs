using System.Diagnostics;
using System.Text.Json;

namespace Particle.Linux.Tests;

/// <summary>
/// The libnftables wrapper against the kernel, always inside a namespace of the test's own: every change is
/// made on a thread inside it (never a table in the root namespace), and observed with the nft command.
/// </summary>
public sealed class NftablesTests : IDisposable
{
    private const string Table = "ptest";

    private readonly TempNamespace _temp = new("pnft");
    private readonly Nftables _nft;

    public NftablesTests()
    {
        _nft = Nftables.OpenIn(_temp.Namespace);
    }

    public void Dispose()
    {
        _nft.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void Applies_a_table_and_lists_it()
    {
        Inside(() => _nft.Run($$"""
            table inet {{Table}} {
              chain input {
                type filter hook input priority 0; policy accept;
                tcp dport 9999 drop
              }
            }
            """));

        Inside(() => _nft.TableExists("inet", Table)).Should().BeTrue();
        Inside(() => _nft.TableExists("ip", Table)).Should().BeFalse();
        Inside(() => _nft.ListTable("inet", Table)).Should().Contain("tcp dport 9999 drop");
        NftCli("list", "table", "inet", Table).Should().Contain("tcp dport 9999 drop");
        using JsonDocument json = JsonDocument.Parse(Inside(() => _nft.ListJson($"table inet {Table}")));
        var chains = json.RootElement.GetProperty("nftables").EnumerateArray()
            .Where(e => e.TryGetProperty("chain", out _))
            .Select(e => e.GetProperty("chain").GetProperty("name").GetString());
        chains.Should().Equal("input");
    }

    [Fact]
    public void A_buffer_whose_last_command_fails_changes_nothing()
    {
        Inside(() => _nft.Run($"table inet {Table} {{ chain c {{ tcp dport 1111 drop; }}; }}"));

        // Every command but the last is valid; the last is refused by the kernel (not by nft's parser),
        // so the batch really went to the kernel and was rolled back there.
        var failure = Inside(() => Catch(() => _nft.Run($$"""
            flush table inet {{Table}}
            add rule inet {{Table}} c tcp dport 2222 drop
            table inet {{Table}}-new { chain c { }; }
            delete table inet {{Table}}-missing
            """)));

        failure.Should().BeOfType<NftablesException>();
        ((NftablesException)failure!).Error.Should().Contain("No such file or directory");
        string after = NftCli("list", "table", "inet", Table);
        after.Should().Contain("tcp dport 1111 drop").And.NotContain("2222");
        Inside(() => _nft.TableExists("inet", $"{Table}-new")).Should().BeFalse();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Replaces_a_table_in_one_transaction_whether_or_not_it_existed(bool existed)
    {
        if (existed)
        {
            Inside(() => _nft.Run($"table inet {Table} {{ chain old {{ tcp dport 3333 drop; }}; }}"));
        }

        // The add makes the delete valid either way; the new table is built in the same transaction.
        Inside(() => _nft.Run($$"""
            table inet {{Table}} {}
            delete table inet {{Table}}
            table inet {{Table}} {
              set pods { type ipv4_addr; elements = { 10.1.0.2, 10.1.0.3 } }
              chain new { ip saddr @pods accept; }
            }
            """));

        string listed = NftCli("list", "table", "inet", Table);
        listed.Should().Contain("chain new").And.Contain("10.1.0.3").And.NotContain("chain old");
    }

    [Fact]
    public void Errors_carry_the_command_and_the_message_of_nft_and_the_kernel()
    {
        var syntax = (NftablesException)Inside(() => Catch(() => _nft.Run("table inet x { chain c { this is not nft; } }")))!;
        syntax.Error.Should().Contain("syntax error");
        syntax.Commands.Should().Contain("table inet x");
        syntax.Message.Should().Contain("table inet x").And.Contain("syntax error");

        var kernel = (NftablesException)Inside(() => Catch(() => _nft.Run("delete table inet nosuchtable")))!;
        kernel.Error.Should().Contain("No such file or directory").And.Contain("delete table inet nosuchtable");

        var missing = Catch(() => Inside(() => _nft.ListTable("inet", "nosuchtable")));
        missing.Should().BeOfType<NftablesException>();
    }

    [Fact]
    public void A_context_made_inside_a_namespace_keeps_acting_there_from_any_thread()
    {
        Inside(() => _nft.Run($"table ip {Table} {{}}"));

        // Read-only from this test's own thread, which is in the root namespace: libnftables' socket was
        // opened inside the test namespace, so this still sees the test namespace's table.
        _nft.TableExists("ip", Table).Should().BeTrue();
        NftCli("list", "tables").Should().Contain($"table ip {Table}");
    }

    [Fact]
    public void Names_that_are_not_nftables_identifiers_are_refused_before_anything_runs()
    {
        var act = () => _nft.TableExists("inet", "x; flush ruleset");
        act.Should().Throw<ArgumentException>();
        var family = () => _nft.ListTable("inet6", "x");
        family.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void A_missing_library_is_one_clear_error()
    {
        var act = () => Nftables.EnsureLibrary("libnftables-particle-missing.so.1");
        act.Should().Throw<NftablesUnavailableException>()
            .WithMessage("libnftables-particle-missing.so.1 not found: install libnftables1");
    }

    [Fact]
    public void Using_a_disposed_context_fails_cleanly()
    {
        Nftables nft = Nftables.OpenIn(_temp.Namespace);
        nft.Dispose();
        var act = () => nft.Run("list tables");
        act.Should().Throw<ObjectDisposedException>();
    }

    private T Inside<T>(Func<T> action) => _temp.Namespace.Run(action);

    private void Inside(Action action) => _temp.Namespace.Run(action);

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static Exception? Catch<T>(Func<T> action) => Catch(() => { action(); });

    /// <summary>`ip netns exec NS nft ARGS`: an independent observer of what the kernel holds.</summary>
    private string NftCli(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["netns", "exec", _temp.Name, "nft", .. args])
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, error);
        return output;
    }
}
