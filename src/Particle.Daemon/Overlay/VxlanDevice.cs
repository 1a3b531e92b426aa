using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Overlay;

/// <summary>
/// A tenant's VXLAN device: no learning and no multicast group (remote endpoints come only from the FDB
/// entries the daemon writes), the node's underlay address as source, a MAC derived from (node, network)
/// and the node subnet's network address as a /32, flannel's way of giving the node a source address
/// inside the tenant.
/// </summary>
public static class VxlanDevice
{
    /// <summary>Creates the device, or adopts one left by an earlier run when it has the same settings; one
    /// with other settings (VNI, port, underlay) is recreated, a device of another kind is refused.</summary>
    public static Link Ensure(RouteNetlink node, OverlaySettings overlay, Underlay underlay, MacAddress mac, int mtu,
        InterfaceAddress address, ILogger log)
    {
        var existing = node.GetLink(overlay.Device);
        if (existing is not null && existing.Kind != "vxlan")
            throw new ConfigException($"network \"{overlay.Network}\": interface {overlay.Device} exists and is a {existing.Kind ?? "device of unknown kind"}, not a VXLAN device");
        if (existing is not null && Difference(existing, overlay, underlay) is string difference)
        {
            // What differs can only be set at creation; flannel's ensureLink does the same.
            log.LogWarning("network {Network}: recreating {Device}: {Difference}", overlay.Network, overlay.Device, difference);
            node.DeleteLink(existing.Index);
            existing = null;
        }
        if (existing is null)
        {
            try
            {
                node.CreateVxlan(new VxlanSpec
                {
                    Name = overlay.Device,
                    Vni = overlay.Vni,
                    Port = overlay.Port,
                    Local = underlay.Address,
                    UnderlayIndex = underlay.LinkIndex,
                    Learning = false,
                    Mtu = mtu,
                    Mac = mac,
                    Up = true,
                });
            }
            catch (NetlinkException e) when (e.IsExists && node.GetLink(overlay.Device) is null)
            {
                // The name is free, so the kernel refused because another VXLAN device already owns this
                // VNI on this port and address: two devices cannot share the decapsulated traffic.
                throw new ConfigException($"network \"{overlay.Network}\": another VXLAN device already uses vni {overlay.Vni} on port {overlay.Port} ({underlay.Address}): {e.Message}");
            }
            catch (NetlinkException e) when (e.IsExists)
            {
            }
            existing = node.GetLink(overlay.Device)
                ?? throw new InvalidOperationException($"{overlay.Device} vanished right after it was created");
        }
        if (existing.Mtu != mtu)
            node.SetMtu(existing.Index, mtu);
        if (existing.Mac != mac)
            node.SetMac(existing.Index, mac);

        var present = node.DumpAddresses(existing.Index).Where(a => a.Address.Family == AddressFamily.InterNetwork).ToList();
        var batch = node.Batch();
        foreach (var stale in present.Where(a => a.Address != address))
            batch.DeleteAddress(existing.Index, stale.Address);
        if (!present.Any(a => a.Address == address))
            batch.AddAddress(existing.Index, address);
        // Forwarding only for the packets that arrive from this tenant's remote pods, not node-wide.
        batch.SetIpv4Forwarding(existing.Index, true);
        if (!existing.IsUp)
            batch.SetUp(existing.Index);
        batch.Commit();
        return node.GetLink(existing.Index) ?? throw new InvalidOperationException($"{overlay.Device} vanished");
    }

    /// <summary>Why an existing VXLAN device cannot be adopted as it is; null when it can.</summary>
    public static string? Difference(Link link, OverlaySettings overlay, Underlay underlay)
    {
        var info = link.Vxlan;
        if (info is null)
            return "no VXLAN settings";
        if (info.Vni != overlay.Vni)
            return $"vni {info.Vni} instead of {overlay.Vni}";
        if (info.Port != overlay.Port)
            return $"port {info.Port} instead of {overlay.Port}";
        if (info.Local is null || !info.Local.Equals(underlay.Address))
            return $"local {info.Local?.ToString() ?? "none"} instead of {underlay.Address}";
        if (info.Link != underlay.LinkIndex)
            return $"bound to interface #{info.Link?.ToString() ?? "none"} instead of {underlay.LinkName} (#{underlay.LinkIndex})";
        if (info.Learning)
            return "learning on";
        return null;
    }
}
