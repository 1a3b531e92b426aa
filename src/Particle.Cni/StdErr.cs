namespace Particle.Cni;

/// <summary>Diagnostics for whoever reads the runtime's logs. stdout belongs to the CNI result alone.</summary>
internal static class StdErr
{
    public static void Log(string message)
    {
        try
        {
            Console.Error.WriteLine("particle: " + message);
        }
        catch (IOException)
        {
            // A closed stderr must not turn a successful operation into a failure.
        }
    }
}
