using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Particle.Daemon.Tests.Cluster;

/// <summary>A <see cref="TestLog"/> that also keeps every line, for tests that look for a message (or for a secret that must not be there).</summary>
internal sealed class RecordingLog(ITestOutputHelper output, string name) : ILogger
{
    private readonly TestLog _output = new(output, name);
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToList();
            }
        }
    }

    public bool Has(string text) => Lines.Any(l => l.Contains(text, StringComparison.Ordinal));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
        _output.Log(logLevel, eventId, state, exception, formatter);
    }
}
