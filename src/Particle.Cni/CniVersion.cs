namespace Particle.Cni;

/// <summary>The CNI specification versions this plugin speaks, oldest first.</summary>
internal static class CniVersion
{
    public const string Latest = "1.1.0";

    public static readonly string[] Supported = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    /// <summary>Exact string match, as libcni does: "1.1" is not "1.1.0".</summary>
    public static bool IsSupported(string version) => Array.IndexOf(Supported, version) >= 0;

    /// <summary>Both versions must be supported ones; the list is ordered, so the index orders them.</summary>
    public static bool AtLeast(string version, string minimum) =>
        Array.IndexOf(Supported, version) >= Array.IndexOf(Supported, minimum);

    public static string SupportedList => string.Join(", ", Supported);
}
