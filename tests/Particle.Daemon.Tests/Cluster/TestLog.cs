using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Particle.Daemon.Tests.Cluster;

/// <summary>Sends a store's log lines to the test's output, so a failing run shows what the store saw.</summary>
internal sealed class TestLog(ITestOutputHelper output, string name) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
            // a background loop logging after the test finished
        }
    }
}
