using Particle.Linux;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>Collects mutating requests and sends them together: one sendmsg for the lot (split only past
/// hundreds of requests so the acks fit the socket buffer), then one ack read per request. The kernel executes
/// every request even after one fails; Commit reports the first failure once all acks are in.</summary>
public sealed partial class NetlinkBatch
{
    private readonly RouteNetlink? _owner;
    private readonly NetlinkWriter _writer = new(1024);
    private readonly List<BatchRequest> _requests = [];
    private readonly List<(NetworkNamespace Namespace, string Name)> _peersToBringUp = [];

    internal NetlinkBatch(RouteNetlink? owner)
    {
        _owner = owner;
    }

    /// <summary>Requests in this batch's sendmsg (peer-up requests for other namespaces go separately).</summary>
    public int Count => _requests.Count;

    internal NetlinkWriter Writer => _writer;

    internal IReadOnlyList<BatchRequest> Requests => _requests;

    /// <summary>Sends everything collected so far and empties the batch; throws the first failure. Veth peers
    /// created in another namespace with PeerUp are brought up afterwards, one extra round trip per namespace,
    /// and only when the batch succeeded.</summary>
    public void Commit()
    {
        if (_owner is null)
        {
            throw new InvalidOperationException("this batch is not attached to a socket");
        }
        if (_requests.Count == 0)
        {
            return;
        }
        try
        {
            _owner.Execute(this);
            foreach (var group in _peersToBringUp.GroupBy(p => p.Namespace))
            {
                using RouteNetlink inside = RouteNetlink.OpenIn(group.Key);
                NetlinkBatch upInside = inside.Batch();
                foreach ((_, string name) in group)
                {
                    upInside.SetUp(name);
                }
                upInside.Commit();
            }
        }
        finally
        {
            _requests.Clear();
            _writer.Clear();
            _peersToBringUp.Clear();
        }
    }

    /// <summary>Sends everything collected so far and empties the batch, and reports each request's own outcome
    /// (null: it succeeded) instead of throwing: for requests of independent callers sent together.
    /// Peer-up requests for other namespaces are not supported here.</summary>
    public NetlinkException?[] CommitEach()
    {
        if (_owner is null)
        {
            throw new InvalidOperationException("this batch is not attached to a socket");
        }
        if (_peersToBringUp.Count > 0)
        {
            throw new InvalidOperationException("CommitEach cannot bring veth peers up in other namespaces; use Commit");
        }
        var outcomes = new NetlinkException?[_requests.Count];
        try
        {
            if (_requests.Count > 0)
            {
                _owner.Execute(this, outcomes);
            }
            return outcomes;
        }
        finally
        {
            _requests.Clear();
            _writer.Clear();
        }
    }

    /// <summary>The bytes that Commit would send, stamped with consecutive sequence numbers.</summary>
    internal ReadOnlySpan<byte> Encode(uint firstSeq, uint portId)
    {
        for (int i = 0; i < _requests.Count; i++)
        {
            _writer.SetSequence(_requests[i].Start, firstSeq + (uint)i, portId);
        }
        return _writer.WrittenSpan;
    }

    /// <summary>Registers a request the caller wrote into Writer itself.</summary>
    internal void AddRaw(int start, string operation, string? obj) =>
        _requests.Add(new BatchRequest(start, _writer.Length, operation, obj));

    private int Begin(ushort type, ushort flags) =>
        _writer.BeginMessage(type, (ushort)(flags | Nlmsg.F_REQUEST | Nlmsg.F_ACK));

    private NetlinkBatch End(int start, ushort type, string? obj)
    {
        _writer.EndMessage(start);
        _requests.Add(new BatchRequest(start, _writer.Length, Rtm.Name(type), obj));
        return this;
    }
}

/// <summary>Where one request sits in the batch buffer, and how to name it in an error.</summary>
internal readonly record struct BatchRequest(int Start, int End, string Operation, string? Object);
