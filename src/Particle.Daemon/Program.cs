using System.CommandLine;
using Microsoft.Extensions.Logging;
using Particle.Daemon;

var configOption = new Option<FileInfo>("--config", "-c")
{
    Description = "The node configuration file (JSON); see cni-conf/particled.json.",
    Required = true,
};
var logLevelOption = new Option<LogLevel>("--log-level")
{
    Description = "Least severe log level written: Trace, Debug, Information, Warning, Error.",
    DefaultValueFactory = _ => LogLevel.Information,
};
var root = new RootCommand("particled: the ParticleCni node daemon. Allocates addresses and wires pods for the particle CNI plugin.")
{
    configOption,
    logLevelOption,
};
root.SetAction((result, cancel) =>
    DaemonHost.RunAsync(result.GetValue(configOption)!.FullName, result.GetValue(logLevelOption), cancel));
// particled stops on SIGTERM/SIGINT itself, after finishing the requests in flight.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
