using System.CommandLine;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary><c>particlectl claim --network NAME</c>: a pre-wired namespace, as JSON on stdout.</summary>
public sealed class ClaimCommand : CtlCommand
{
    private readonly Option<string> _network = new("--network", "-n")
    {
        Description = "The network whose namespace pool to claim from.",
        Required = true,
    };

    public ClaimCommand() : base("claim", "Claim a pre-wired network namespace; prints its path, address and interface as JSON.") =>
        Options.Add(_network);

    protected override int Run(ParseResult result)
    {
        var response = Ask(result, new DaemonRequest { Verb = Verbs.Claim, Network = result.GetValue(_network)! }, out int code);
        if (response?.Claim is null)
            return response is null ? code : Fail("particled answered CLAIM without a namespace");
        Console.Out.WriteLine(JsonSerializer.Serialize(response.Claim, CtlJsonContext.Default.ClaimInfo));
        return ExitCodes.Ok;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"particlectl: {message}");
        return ExitCodes.DaemonError;
    }
}
