using System.Text;

namespace Particle.Cni;

/// <summary>Diagnostics for whoever reads the runtime's logs. stdout belongs to the CNI result alone.</summary>
internal static class StdErr
{
    /// <summary>The bare descriptor, as for stdin and stdout (<see cref="StandardStream"/>): Console.Error would start the console.</summary>
    private static readonly Stream Stream = StandardStream.Error();

    public static void Log(string message)
    {
        try
        {
            Stream.Write(Encoding.UTF8.GetBytes("particle: " + message + "\n"));
        }
        catch (IOException)
        {
            // A closed stderr must not turn a successful operation into a failure.
        }
    }
}
