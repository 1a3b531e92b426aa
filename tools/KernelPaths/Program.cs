using System.Diagnostics;
using System.Net;
using Particle.Linux;
using Particle.Netlink;

// Measures, inside namespaces it is given, the kernel work of every way an attachment can be made or
// undone. Usage: KernelPaths NODE_NS_PATH POD_NS_PATH_PREFIX COUNT
// (pods are POD_NS_PATH_PREFIX0 .. COUNT-1, made and removed by scripts/measure-kernel-paths.sh).
// Prints one line per path: name, p50, p90, p99, mean in ms per attachment.
string nodePath = args[0];
string podPrefix = args[1];
int count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
using var nodeNs = NetworkNamespace.Open(nodePath);
using var node = RouteNetlink.OpenIn(nodeNs);
var gateway = IPAddress.Parse("10.250.0.1");
node.CreateBridge("kpbr0", 1500, MacAddress.Random(), up: true);
var bridge = node.GetLink("kpbr0")!;
node.AddAddress(bridge.Index, new InterfaceAddress(gateway, 16));
const uint Graveyard = 0x50434e49;

NetworkNamespace Pod(int i) => NetworkNamespace.Open(podPrefix + i);
IPAddress Address(int i) => new([10, 250, (byte)(1 + i / 250), (byte)(2 + i % 250)]);

void Report(string name, List<double> ms)
{
    ms.Sort();
    double At(double q) => ms[Math.Clamp((int)Math.Ceiling(q * ms.Count) - 1, 0, ms.Count - 1)];
    Console.WriteLine($"{name,-58} p50 {At(0.5),7:F3}  p90 {At(0.9),7:F3}  p99 {At(0.99),7:F3}  mean {ms.Average(),7:F3}  (n={ms.Count})");
}

double Time(Action work)
{
    long t = Stopwatch.GetTimestamp();
    work();
    return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
}

void ConfigureInside(NetworkNamespace pod, string ifName, IPAddress address)
{
    using var inside = RouteNetlink.OpenIn(pod);
    var link = inside.GetLink(ifName)!;
    inside.Batch().SetUp(link.Index).AddAddress(link.Index, new InterfaceAddress(address, 16))
        .AddRoute(new Route { Gateway = gateway, OutIndex = link.Index }).Commit();
}

string Host(int i) => $"kph{i}";

// (b) cold: veth created with its peer directly in the pod namespace, then the pod side configured.
void Cold(int i, List<double> create, List<double> inside, List<double> total)
{
    using var pod = Pod(i);
    double c = Time(() => node.CreateVeth(new VethSpec
    {
        Name = Host(i), PeerName = "eth0", Mtu = 1500, Mac = MacAddress.Random(), PeerMac = MacAddress.Random(),
        PeerNamespace = pod, MasterIndex = bridge.Index, Up = true,
    }));
    double s = Time(() => ConfigureInside(pod, "eth0", Address(i)));
    create.Add(c); inside.Add(s); total.Add(c + s);
}

// (a) pre-created pair in the node namespace (host end on the bridge and up); ADD moves the pod end in.
void PreCreate(int i) => node.CreateVeth(new VethSpec
{
    Name = Host(i), PeerName = $"kpp{i}", Mtu = 1500, Mac = MacAddress.Random(), PeerMac = MacAddress.Random(),
    MasterIndex = bridge.Index, Up = true,
});

void Move(int i, List<double> move, List<double> inside, List<double> total)
{
    using var pod = Pod(i);
    var peer = node.GetLink($"kpp{i}")!;
    double m = Time(() => node.MoveTo(peer.Index, pod, "eth0"));
    double s = Time(() => ConfigureInside(pod, "eth0", Address(i)));
    move.Add(m); inside.Add(s); total.Add(m + s);
}

void DeleteAllQuietly()
{
    foreach (var l in node.DumpLinks().Where(l => l.Name.StartsWith("kph", StringComparison.Ordinal)))
        node.DeleteLink(l.Index);
}

int warm = Math.Min(5, count / 10);

// ---- ADD alternatives
{
    List<double> create = [], inside = [], total = [];
    for (int i = 0; i < count; i++)
        Cold(i, create, inside, total);
    Report("ADD (b) cold: create veth, peer in pod netns", create.Skip(warm).ToList());
    Report("ADD (b) cold: pod side up+addr+route (1 batch)", inside.Skip(warm).ToList());
    Report("ADD (b) cold: total", total.Skip(warm).ToList());

    // ---- DEL alternatives on these cold attachments, one per third
    List<double> del = [], detach = [], moveOut = [];
    int third = count / 3;
    for (int i = 0; i < third; i++)
        del.Add(Time(() => node.DeleteLink(Host(i))));
    for (int i = third; i < 2 * third; i++)
    {
        var host = node.GetLink(Host(i))!;
        // Detach: host end down, off the bridge, into the graveyard group, in one sendmsg.
        detach.Add(Time(() => node.Batch().SetDown(host.Index).SetMaster(host.Index, 0).SetGroup(host.Index, Graveyard).Commit()));
    }
    for (int i = 2 * third; i < count; i++)
    {
        using var pod = Pod(i);
        moveOut.Add(Time(() =>
        {
            using var inside2 = RouteNetlink.OpenIn(pod);
            var eth = inside2.GetLink("eth0")!;
            inside2.MoveTo(eth.Index, nodeNs, $"kpp{i}");
        }));
    }
    Report("DEL: delete veth (synchronous unregister)", del.Skip(warm).ToList());
    Report("DEL: detach host end (down+nomaster+group, 1 batch)", detach.Skip(warm).ToList());
    Report("DEL: move pod end back to the node netns", moveOut.Skip(warm).ToList());
    int graves = node.DumpLinks().Count(l => l.Group == Graveyard);
    double groupDelete = Time(() => node.DeleteGroup(Graveyard));
    Console.WriteLine($"{"background: delete graveyard group (one request)",-58} {groupDelete,7:F3} ms for {graves} veths = {groupDelete / Math.Max(1, graves),7:F3} ms each");
    // Same count deleted one request per veth, all in one sendmsg.
    var moved = node.DumpLinks().Where(l => l.Name.StartsWith("kph", StringComparison.Ordinal)).ToList();
    var batch = node.Batch();
    foreach (var l in moved)
        batch.DeleteLink(l.Index);
    double batched = Time(batch.Commit);
    Console.WriteLine($"{"background: N DELLINKs in one sendmsg",-58} {batched,7:F3} ms for {moved.Count} veths = {batched / Math.Max(1, moved.Count),7:F3} ms each");
}

// ---- (a) move
{
    List<double> pre = [], move = [], inside = [], total = [];
    for (int i = 0; i < count; i++)
        pre.Add(Time(() => PreCreate(i)));
    for (int i = 0; i < count; i++)
        Move(i, move, inside, total);
    Report("pool refill: pre-create pair in node netns (1 request)", pre.Skip(warm).ToList());
    Report("ADD (a) move pod end into pod netns + rename", move.Skip(warm).ToList());
    Report("ADD (a) pod side up+addr+route (1 batch)", inside.Skip(warm).ToList());
    Report("ADD (a) total", total.Skip(warm).ToList());
    DeleteAllQuietly();
}

// ---- refill in batches: N veth pairs created in one sendmsg
{
    var batch = node.Batch();
    for (int i = 0; i < count; i++)
        batch.CreateVeth(new VethSpec { Name = Host(i), PeerName = $"kpp{i}", Mtu = 1500, MasterIndex = bridge.Index, Up = true });
    double t = Time(batch.Commit);
    Console.WriteLine($"{"pool refill: N pre-created pairs in one sendmsg",-58} {t,7:F3} ms for {count} = {t / count,7:F3} ms each");
    DeleteAllQuietly();
}

// ---- (b) cold creates batched: N veths with peers in N namespaces, one sendmsg
{
    var pods = Enumerable.Range(0, count).Select(Pod).ToList();
    var batch = node.Batch();
    for (int i = 0; i < count; i++)
        batch.CreateVeth(new VethSpec { Name = Host(i), PeerName = "eth0", Mtu = 1500, PeerNamespace = pods[i], MasterIndex = bridge.Index, Up = true });
    double t = Time(batch.Commit);
    Console.WriteLine($"{"coalesced cold ADD: N veths into N netns, one sendmsg",-58} {t,7:F3} ms for {count} = {t / count,7:F3} ms each");
    pods.ForEach(p => p.Dispose());
    DeleteAllQuietly();
}
node.DeleteLink(bridge.Index);
