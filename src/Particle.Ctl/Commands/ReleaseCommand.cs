using System.CommandLine;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary><c>particlectl release --netns PATH</c>: gives a claimed namespace back (it is destroyed and replaced).</summary>
public sealed class ReleaseCommand : CtlCommand
{
    private readonly Option<string> _netns = new("--netns")
    {
        Description = "The claimed namespace's path, as claim printed it.",
        Required = true,
    };

    public ReleaseCommand() : base("release", "Release a claimed namespace: particled destroys it and creates a fresh one.") =>
        Options.Add(_netns);

    protected override int Run(ParseResult result)
    {
        var response = Ask(result, new DaemonRequest { Verb = Verbs.Release, Netns = result.GetValue(_netns)! }, out int code);
        return response is null ? code : ExitCodes.Ok;
    }
}
