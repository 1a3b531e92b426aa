using System.CommandLine;
using Particle.Ctl.Commands;

var root = new RootCommand("particlectl: operate particled (namespace pool claims, status).")
{
    CtlCommand.SocketOption,
    new StatusCommand(),
    new ClaimCommand(),
    new ReleaseCommand(),
};
return root.Parse(args).Invoke();
