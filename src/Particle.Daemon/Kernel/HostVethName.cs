using System.Security.Cryptography;
using System.Text;
using Particle.Daemon.Ipam;

namespace Particle.Daemon.Kernel;

/// <summary>
/// The host end of a pod's veth is named after the attachment, not at random: after a crash the daemon
/// can tell from the name alone which attachment a device belongs to, and whether it is an orphan.
/// </summary>
public static class HostVethName
{
    public const string Prefix = "pc";

    public static string For(AttachmentId id)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{id.Network}\0{id.ContainerId}\0{id.IfName}"), hash);
        return Prefix + Convert.ToHexStringLower(hash[..6]);
    }

    public static bool IsOurs(string name) =>
        name.Length == Prefix.Length + 12 && name.StartsWith(Prefix, StringComparison.Ordinal);
}
