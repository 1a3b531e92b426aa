using System.CommandLine;
using Particle.Ctl.Commands;

var root = new RootCommand("particlectl: operate particled (status, events, namespace pool claims).")
{
    CtlCommand.SocketOption,
    new StatusCommand(),
    new ClaimCommand(),
    new ReleaseCommand(),
    new EventsCommand(),
};
return root.Parse(args).Invoke();
