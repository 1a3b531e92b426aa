namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>Missing, empty, overlong and rule-breaking CNI_* variables, for every verb that reads them.</summary>
public static class EnvironmentCases
{
    private static readonly string Overlong = new('a', 5000);

    public static IEnumerable<HostileCase> All()
    {
        string good = Conf.Good();
        string check = Conf.With(("prevResult", Conf.PrevResult));

        yield return new("CNI_COMMAND missing", "ADD", good, 4, "CNI_COMMAND is not set", Conf.Env(("CNI_COMMAND", null)));
        yield return new("CNI_COMMAND empty", "ADD", good, 4, "CNI_COMMAND is not set", Conf.Env(("CNI_COMMAND", "")));
        yield return new("CNI_COMMAND lower case", "ADD", good, 4, "CNI_COMMAND has the unknown value \"add\"", Conf.Env(("CNI_COMMAND", "add")));
        yield return new("CNI_COMMAND unknown", "ADD", good, 4, "CNI_COMMAND has the unknown value \"REBOOT\"", Conf.Env(("CNI_COMMAND", "REBOOT")));
        yield return new("CNI_COMMAND with a newline", "ADD", good, 4, "CNI_COMMAND has the unknown value \"ADD\\u000a\"", Conf.Env(("CNI_COMMAND", "ADD\n")));
        yield return new("CNI_COMMAND overlong", "ADD", good, 4, "CNI_COMMAND has the unknown value", Conf.Env(("CNI_COMMAND", Overlong)));

        foreach (var (verb, conf) in new[] { ("ADD", good), ("DEL", good), ("CHECK", check) })
        {
            yield return new($"{verb} CNI_CONTAINERID missing", verb, conf, 4, "CNI_CONTAINERID is not set", Conf.Env(("CNI_CONTAINERID", null)));
            yield return new($"{verb} CNI_CONTAINERID empty", verb, conf, 4, "CNI_CONTAINERID is not set", Conf.Env(("CNI_CONTAINERID", "")));
            yield return new($"{verb} CNI_CONTAINERID overlong", verb, conf, 4, "CNI_CONTAINERID is 5000 bytes long", Conf.Env(("CNI_CONTAINERID", Overlong)));
            yield return new($"{verb} CNI_IFNAME missing", verb, conf, 4, "CNI_IFNAME is not set", Conf.Env(("CNI_IFNAME", null)));
            yield return new($"{verb} CNI_IFNAME empty", verb, conf, 4, "CNI_IFNAME is not set", Conf.Env(("CNI_IFNAME", "")));
            yield return new($"{verb} CNI_IFNAME overlong", verb, conf, 4, "CNI_IFNAME is 5000 bytes long", Conf.Env(("CNI_IFNAME", Overlong)));
            yield return new($"{verb} CNI_NETNS overlong", verb, conf, 4, "CNI_NETNS is 5001 bytes long", Conf.Env(("CNI_NETNS", "/" + Overlong)));
            yield return new($"{verb} CNI_ARGS overlong", verb, conf, 4, "CNI_ARGS is 70000 bytes long", Conf.Env(("CNI_ARGS", "K8S_POD_NAME=" + new string('x', 70000 - 13))));
            yield return new($"{verb} CNI_PATH overlong", verb, conf, 4, "CNI_PATH is 70000 bytes long", Conf.Env(("CNI_PATH", new string('/', 70000))));
        }
        yield return new("ADD CNI_NETNS missing", "ADD", good, 4, "CNI_NETNS is not set", Conf.Env(("CNI_NETNS", null)));
        yield return new("ADD CNI_NETNS empty", "ADD", good, 4, "CNI_NETNS is not set", Conf.Env(("CNI_NETNS", "")));
        yield return new("CHECK CNI_NETNS missing", "CHECK", check, 4, "CNI_NETNS is not set", Conf.Env(("CNI_NETNS", null)));
        yield return new("CHECK CNI_NETNS empty", "CHECK", check, 4, "CNI_NETNS is not set", Conf.Env(("CNI_NETNS", "")));
        yield return new("GC CNI_PATH missing", "GC", Conf.Good("1.1.0"), 4, "CNI_PATH is not set", Conf.Env(("CNI_PATH", null)));
        yield return new("GC CNI_PATH overlong", "GC", Conf.Good("1.1.0"), 4, "CNI_PATH is 70000 bytes long", Conf.Env(("CNI_PATH", new string('/', 70000))));
        yield return new("STATUS CNI_PATH overlong", "STATUS", Conf.Good("1.1.0"), 4, "CNI_PATH is 70000 bytes long", Conf.Env(("CNI_PATH", new string('/', 70000))));

        // Container ids outside ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$, path traversal among them.
        string[] badIds =
        [
            "../etc", "..", ".", "/abs", "a/b", "../../../../tmp/x", "a\nb", "a\tb", "a b", "a\rb", "a\u0001b",
            "ünïcode", "id\u200b", "-lead", "_lead", ".hidden", "a;b", "$(reboot)", "a*", "a\\b",
        ];
        for (int i = 0; i < badIds.Length; i++)
            yield return new($"ADD container id #{i} {Show(badIds[i])}", "ADD", good, 4, "CNI_CONTAINERID", Conf.Env(("CNI_CONTAINERID", badIds[i])));
        yield return new("DEL container id ../etc", "DEL", good, 4, "CNI_CONTAINERID \"../etc\" must match", Conf.Env(("CNI_CONTAINERID", "../etc")));
        yield return new("DEL container id with a newline", "DEL", good, 4, "CNI_CONTAINERID \"a\\u000ab\" must match", Conf.Env(("CNI_CONTAINERID", "a\nb")));

        // Interface names the kernel or the spec refuses, or that print as something else.
        string[] badIfNames =
        [
            "../x", "/", ".", "..", "eth0\n", "eth 0", "eth:0", "eth\t0", "abcdefghijklmnop", "éééééééé",
            "eth\u0001", "eth\u007f", "eth\u200b", "eth\u00a0", "\u2028", "eth0\u202e",
        ];
        for (int i = 0; i < badIfNames.Length; i++)
            yield return new($"ADD ifname #{i} {Show(badIfNames[i])}", "ADD", good, 4, "CNI_IFNAME", Conf.Env(("CNI_IFNAME", badIfNames[i])));
        yield return new("DEL ifname ../x", "DEL", good, 4, "CNI_IFNAME \"../x\" contains '/'", Conf.Env(("CNI_IFNAME", "../x")));
        yield return new("CHECK ifname with a control character", "CHECK", check, 4, "CNI_IFNAME \"eth\\u0001\" contains a control", Conf.Env(("CNI_IFNAME", "eth\u0001")));

        // CNI_ARGS as libcni's LoadArgs judges it.
        yield return new("CNI_ARGS unknown key", "ADD", good, 4, "unknown key \"FOO\"", Conf.Env(("CNI_ARGS", "FOO=bar")));
        yield return new("CNI_ARGS unknown key after a known one", "ADD", good, 4, "unknown key \"FOO\"", Conf.Env(("CNI_ARGS", "K8S_POD_NAME=x;FOO=bar")));
        yield return new("CNI_ARGS IgnoreUnknown=0", "ADD", good, 4, "unknown key \"FOO\"", Conf.Env(("CNI_ARGS", "IgnoreUnknown=0;FOO=bar")));
        yield return new("CNI_ARGS IgnoreUnknown=maybe", "ADD", good, 4, "IgnoreUnknown=\"maybe\"", Conf.Env(("CNI_ARGS", "IgnoreUnknown=maybe;FOO=1")));
        yield return new("CNI_ARGS pair without =", "ADD", good, 4, "invalid pair \"novalue\"", Conf.Env(("CNI_ARGS", "IgnoreUnknown=1;novalue")));
        yield return new("CNI_ARGS empty key", "ADD", good, 4, "invalid pair \"=v\"", Conf.Env(("CNI_ARGS", "=v")));
        yield return new("CNI_ARGS two =", "ADD", good, 4, "invalid pair \"K=V=W\"", Conf.Env(("CNI_ARGS", "IgnoreUnknown=1;K=V=W")));
        yield return new("CNI_ARGS trailing ;", "ADD", good, 4, "invalid pair \"\"", Conf.Env(("CNI_ARGS", "IgnoreUnknown=1;")));
        yield return new("CNI_ARGS only ;", "DEL", good, 4, "CNI_ARGS has an invalid pair", Conf.Env(("CNI_ARGS", ";")));
        yield return new("CNI_ARGS key with a newline", "CHECK", check, 4, "CNI_ARGS has the unknown key", Conf.Env(("CNI_ARGS", "a\nb=c")));
    }

    private static string Show(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || ".-_/".Contains(c) ? c.ToString() : $"U{(int)c:X4}"));
}
