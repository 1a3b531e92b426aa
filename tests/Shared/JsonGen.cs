using System.Text;
using System.Text.Json;
using CsCheck;

namespace Particle.Tests;

/// <summary>
/// Network configurations shaped like the real thing but wrong in every way a generator can reach: the
/// known keys (and their letter-case twins) with values of every JSON type, odd numbers, odd strings,
/// duplicate keys, prevResults of every version's shape with broken addresses, interfaces and routes.
/// </summary>
public static class JsonGen
{
    private static readonly string[] Keys =
    [
        "cniVersion", "cniVersions", "name", "type", "socket", "stateDir", "timeoutSeconds", "prevResult",
        "runtimeConfig", "args", "capabilities", "plugins", "cni.dev/valid-attachments", "cni.dev/attachments",
        "Name", "SOCKET", "cniversion", "ipam", "dns", "logFile", "logLevel", "x",
    ];

    private static readonly string[] Strings =
    [
        "", "1.1.0", "1.0.0", "0.4.0", "0.3.1", "0.2.0", "0.1.0", "2.0.0", "1.1", "podnet", "-bad", "a/b", "../..",
        "10.0.0.5/24", "10.0.0.1", "10.0.0.1/33", "::1/128", "fe80::1/64", "0.0.0.0/0", "256.1.1.1/8", "10.0.0.5/-1",
        "aa:bb:cc:dd:ee:ff", "eth0", AbsentFolder + "x", "/dev/null", "\u0000", "\ud800", "\n", "debug", "error",
        new string('a', 5000), AbsentFolder + new string('s', 200),
    ];

    // Absolute paths lead into a folder that does not exist: a generated "logFile" (the plugin appends
    // to it) must never create a file on the machine, least of all under /run/netns.
    private const string AbsentFolder = "/run/particle-fuzz-absent/";

    private static readonly string[] Numbers =
        ["0", "-1", "1", "10", "300", "301", "2147483648", "-2147483649", "1.5", "1e999", "-0", "1e-999", "99999999999999999999"];

    public static Gen<string> Str { get; } = Gen.Frequency((3, Gen.OneOf(Strings)), (1, Gen.String[0, 40]));

    private static Gen<string> Scalar { get; } = Gen.Frequency(
        (3, Str.Select(Quote)),
        (2, Gen.OneOf(Numbers)),
        (1, Gen.OneOf("null", "true", "false")));

    /// <summary>Any JSON value, nesting bounded by <paramref name="depth"/>.</summary>
    public static Gen<string> Value(int depth) => depth <= 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Object(depth - 1, Str)),
            (1, Object(depth - 1, Gen.OneOf(Keys))));

    private static Gen<string> Object(int depth, Gen<string> keys) =>
        Gen.Select(keys, Value(depth)).Array[0, 5]
            .Select(members => "{" + string.Join(",", members.Select(m => Quote(m.Item1) + ":" + m.Item2)) + "}");

    private static readonly Gen<string> Ip = Gen.Select(Gen.OneOf(Strings), Gen.OneOf(Strings), Value(0), Gen.Bool)
        .Select(t => t.Item4
            ? $$"""{"address":{{Quote(t.Item1)}},"gateway":{{Quote(t.Item2)}},"interface":{{t.Item3}}}"""
            : $$"""{"version":"4","address":{{Quote(t.Item1)}},"interface":{{t.Item3}}}""");

    private static readonly Gen<string> Interface = Gen.Select(Str, Str, Value(0))
        .Select(t => $$"""{"name":{{Quote(t.Item1)}},"mac":{{Quote(t.Item2)}},"sandbox":{{t.Item3}},"mtu":{{t.Item3}}}""");

    private static readonly Gen<string> Route = Gen.Select(Gen.OneOf(Strings), Gen.OneOf(Strings), Value(0))
        .Select(t => $$"""{"dst":{{Quote(t.Item1)}},"gw":{{Quote(t.Item2)}},"mtu":{{t.Item3}}}""");

    /// <summary>prevResult of the 0.3+ shape or the 0.1/0.2 "ip4" shape, or any value at all.</summary>
    public static Gen<string> PrevResult { get; } = Gen.Frequency(
        (3, Gen.Select(Gen.OneOf(Strings), Interface.Array[0, 3], Ip.Array[0, 3], Route.Array[0, 3]).Select(t =>
            $$$"""{"cniVersion":{{{Quote(t.Item1)}}},"interfaces":[{{{string.Join(",", t.Item2)}}}],"ips":[{{{string.Join(",", t.Item3)}}}],"routes":[{{{string.Join(",", t.Item4)}}}],"dns":{"nameservers":["10.0.0.2"],"search":[1]}}""")),
        (1, Gen.Select(Gen.OneOf(Strings), Gen.OneOf(Strings), Route.Array[0, 2]).Select(t =>
            $$$"""{"cniVersion":"0.2.0","ip4":{"ip":{{{Quote(t.Item1)}}},"gateway":{{{Quote(t.Item2)}}},"routes":[{{{string.Join(",", t.Item3)}}}]},"ip6":null}""")),
        (1, Value(2)));

    /// <summary>A configuration: mostly the known keys with plausible or hostile values, sometimes anything.</summary>
    public static Gen<string> Config(Gen<string> socket, Gen<string> stateDir) =>
        Gen.Frequency((6, Shaped(socket, stateDir)), (1, Value(3)));

    /// <summary>
    /// A configuration whose socket and stateDir come from the given generators: a copy of either key
    /// among the random members is a duplicate and refused, so a run that reaches the verbs only ever
    /// writes where the test allows.
    /// </summary>
    public static Gen<string> Shaped(Gen<string> socket, Gen<string> stateDir) =>
        Gen.Select(Gen.OneOf("1.1.0", "1.0.0", "0.4.0", "0.3.1", "0.2.0", "0.1.0", "9.9.9"), Gen.OneOf("podnet", "", "-x", "a.b_c-d"),
                socket, stateDir, Gen.Select(PrevResult, Gen.Bool),
                Gen.Frequency((2, Gen.Const(Array.Empty<(string, string)>())), (1, Gen.Select(Gen.OneOf(Keys), Value(2)).Array[1, 4])))
            .Select(t =>
            {
                var members = new List<string>
                {
                    $"\"cniVersion\":{Quote(t.Item1)}", $"\"name\":{Quote(t.Item2)}", "\"type\":\"particle\"",
                    $"\"socket\":{Quote(t.Item3)}", $"\"stateDir\":{Quote(t.Item4)}",
                };
                if (t.Item5.Item2)
                    members.Add("\"prevResult\":" + t.Item5.Item1);
                members.AddRange(t.Item6.Select(m => Quote(m.Item1) + ":" + m.Item2));
                return "{" + string.Join(",", members) + "}";
            });

    public static string Quote(string s) => JsonSerializer.Serialize(s);

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
