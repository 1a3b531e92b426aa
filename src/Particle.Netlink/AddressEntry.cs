namespace Particle.Netlink;

/// <summary>An address configured on an interface (RTM_NEWADDR).</summary>
public sealed record AddressEntry
{
    public required int Index { get; init; }

    public required InterfaceAddress Address { get; init; }

    /// <summary>RT_SCOPE_*: 0 universe, 253 link, 254 host.</summary>
    public byte Scope { get; init; }

    public string? Label { get; init; }
}
