using System.Collections;
using System.Net;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Ipam;

/// <summary>
/// The free and used addresses of one network. Hands addresses out round-robin from the last one given,
/// as host-local does, so that a released address is not reused at once while peers may still cache
/// its old MAC.
/// </summary>
public sealed class AddressPool
{
    private readonly NetworkDefinition _network;
    private readonly BitArray _used;
    private long _next;

    public AddressPool(NetworkDefinition network)
    {
        _network = network;
        _used = new BitArray(checked((int)network.Range.Count));
        if (network.Range.Contains(network.Gateway))
            _used[(int)network.Range.IndexOf(network.Gateway)] = true;
        Capacity = network.Range.Count - (network.Range.Contains(network.Gateway) ? 1 : 0);
    }

    public long Capacity { get; }
    public long InUse { get; private set; }
    public long Free => Capacity - InUse;

    public bool TryTake(out IPAddress address)
    {
        long count = _network.Range.Count;
        for (long step = 0; step < count; step++)
        {
            int index = (int)((_next + step) % count);
            if (_used[index])
                continue;
            _used[index] = true;
            InUse++;
            _next = (index + 1) % count;
            address = _network.Range.At(index);
            return true;
        }
        address = IPAddress.None;
        return false;
    }

    /// <summary>Marks an address taken by a recovered allocation; false if it is not ours or already taken.</summary>
    public bool TryMark(IPAddress address)
    {
        if (!_network.IsAssignable(address))
            return false;
        int index = (int)_network.Range.IndexOf(address);
        if (_used[index])
            return false;
        _used[index] = true;
        InUse++;
        _next = Math.Max(_next, (index + 1) % _network.Range.Count);
        return true;
    }

    public void Return(IPAddress address)
    {
        if (!_network.IsAssignable(address))
            return;
        int index = (int)_network.Range.IndexOf(address);
        if (!_used[index])
            return;
        _used[index] = false;
        InUse--;
    }
}
