using System.CommandLine;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary>Base of every particlectl command: the shared --socket option and the daemon round trip.</summary>
public abstract class CtlCommand : Command
{
    public static readonly Option<string> SocketOption = new("--socket")
    {
        Description = "particled's socket.",
        DefaultValueFactory = _ => Defaults.SocketPath,
        Recursive = true,
    };

    protected CtlCommand(string name, string description) : base(name, description) =>
        SetAction(result => Run(result));

    protected abstract int Run(ParseResult result);

    /// <summary>Asks particled; prints its error and returns null when it refused.</summary>
    protected static DaemonResponse? Ask(ParseResult result, DaemonRequest request, out int exitCode)
    {
        DaemonResponse response;
        try
        {
            response = DaemonConnection.Ask(result.GetValue(SocketOption)!, request);
        }
        catch (Exception e) when (e is DaemonUnreachableException or IOException or System.Net.Sockets.SocketException or ProtocolException)
        {
            Console.Error.WriteLine($"particlectl: {e.Message}");
            exitCode = ExitCodes.Unreachable;
            return null;
        }
        if (response.Code != 0)
        {
            Console.Error.WriteLine($"particlectl: {response.Message}{(response.Details is null ? "" : $" ({response.Details})")}");
            exitCode = ExitCodes.DaemonError;
            return null;
        }
        exitCode = ExitCodes.Ok;
        return response;
    }
}
