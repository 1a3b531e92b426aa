using System.Text;

namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>Broken, hostile and wrong-shaped network configurations on stdin.</summary>
public static class ConfigCases
{
    private const string Malformed = "not valid JSON";

    public static IEnumerable<HostileCase> All()
    {
        // Not JSON, or not a whole document.
        yield return new("stdin empty", "ADD", "", 6, "is empty");
        yield return new("stdin whitespace only", "ADD", " \n\t ", 6, Malformed);
        yield return new("truncated after a member", "ADD", """{"cniVersion":"1.0.0","name":"e2e" """, 6, Malformed);
        yield return new("truncated inside a string", "ADD", """{"cniVersion":"1.0""", 6, Malformed);
        yield return new("lone opening brace", "ADD", "{", 6, Malformed);
        yield return new("two documents", "ADD", Conf.Good() + Conf.Good(), 6, Malformed);
        yield return new("trailing comma", "ADD", Conf.Good().TrimEnd('}') + ",}", 6, Malformed);
        yield return new("comment", "ADD", "// hello\n" + Conf.Good(), 6, Malformed);
        yield return new("single quotes", "ADD", "{'cniVersion':'1.0.0','name':'e2e'}", 6, Malformed);
        yield return new("NaN literal", "ADD", Conf.With(("timeoutSeconds", "NaN")), 6, Malformed);
        yield return new("raw newline inside a string", "ADD", Conf.With(("name", "\"e2\ne\"")), 6, Malformed);
        yield return new("invalid UTF-8", "ADD", "", 6, "not valid UTF-8",
            RawStdin: [.. Encoding.UTF8.GetBytes("{\"cniVersion\":\"1.0.0\",\"name\":\"e2"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")]);
        yield return new("nesting deeper than 64", "ADD",
            Conf.With(("runtimeConfig", new string('[', 200) + new string(']', 200))), 6, Malformed);
        yield return new("root is null", "ADD", "null", 6, "must be a JSON object");
        yield return new("root is an array", "ADD", "[" + Conf.Good() + "]", 6, "must be a JSON object");
        yield return new("root is a string", "ADD", "\"e2e\"", 6, "must be a JSON object");
        yield return new("root is a number", "ADD", "42", 6, "must be a JSON object");
        yield return new("root is true", "ADD", "true", 6, "must be a JSON object");
        yield return new("lone surrogate in name", "ADD", Conf.With(("name", "\"e2e\\ud800\"")), 6, "lone surrogate");
        yield return new("lone surrogate in cniVersion", "ADD", Conf.With(("cniVersion", "\"\\udc00\"")), 6, "lone surrogate");

        // Huge stdin: refused after reading one byte past the limit, whatever follows.
        yield return new("stdin 1 MiB + 1 of valid JSON", "ADD", Conf.Good().TrimEnd('}') + ",\"pad\":\"" + new string('x', 1 << 20) + "\"}", 6, "larger than");
        yield return new("stdin 8 MiB of garbage", "ADD", "", 6, "larger than", RawStdin: new byte[8 << 20]);
        yield return new("stdin 2 MiB for DEL", "DEL", new string(' ', 2 << 20), 6, "larger than");

        // Duplicate keys: refused (code 6, the key named) instead of last-wins, so the plugin and a Go
        // reader never act on different values.
        yield return new("duplicate cniVersion", "ADD", Conf.With(("cniVersion", "\"1.0.0\"")).TrimEnd('}') + ",\"cniVersion\":\"0.3.1\"}", 6, "\"cniVersion\" more than once");
        yield return new("duplicate name", "ADD", Conf.Good().TrimEnd('}') + ",\"name\":\"other\"}", 6, "\"name\" more than once");
        yield return new("duplicate socket", "ADD", Conf.Good().TrimEnd('}') + ",\"socket\":\"/run/elsewhere.sock\"}", 6, "\"socket\" more than once");
        yield return new("duplicate stateDir on DEL", "DEL", Conf.Good().TrimEnd('}') + ",\"stateDir\":\"/tmp\"}", 6, "\"stateDir\" more than once");
        yield return new("duplicate nested in runtimeConfig", "ADD", Conf.With(("runtimeConfig", """{"mac":"a","mac":"b"}""")), 6, "\"runtimeConfig.mac\" more than once");
        yield return new("duplicate inside prevResult", "CHECK", Conf.With(("prevResult", """{"cniVersion":"1.0.0","ips":[],"ips":[]}""")), 6, "\"prevResult.ips\" more than once");
        yield return new("known key in another case (Name)", "ADD", Conf.Good().TrimEnd('}') + ",\"Name\":\"other\"}", 6, "\"Name\"");
        yield return new("known key in another case (SOCKET)", "ADD", Conf.Good().TrimEnd('}') + ",\"SOCKET\":\"/run/x.sock\"}", 6, "\"SOCKET\"");

        // Wrong types for every key the plugin reads.
        yield return new("cniVersion is a number", "ADD", Conf.With(("cniVersion", "1")), 6, "\"cniVersion\" must be a string");
        yield return new("cniVersion is an array", "ADD", Conf.With(("cniVersion", "[\"1.0.0\"]")), 6, "\"cniVersion\" must be a string");
        yield return new("name is a number", "ADD", Conf.With(("name", "5")), 6, "\"name\" must be a string");
        yield return new("name is an object", "ADD", Conf.With(("name", "{}")), 6, "\"name\" must be a string");
        yield return new("type is a number", "ADD", Conf.With(("type", "5")), 6, "\"type\" must be a string");
        yield return new("socket is a number", "ADD", Conf.With(("socket", "5")), 6, "\"socket\" must be a string");
        yield return new("socket is true", "ADD", Conf.With(("socket", "true")), 6, "\"socket\" must be a string");
        yield return new("stateDir is a number", "DEL", Conf.With(("stateDir", "5")), 6, "\"stateDir\" must be a string");
        yield return new("stateDir is an array", "ADD", Conf.With(("stateDir", "[]")), 6, "\"stateDir\" must be a string");
        yield return new("timeoutSeconds is a string", "ADD", Conf.With(("timeoutSeconds", "\"10\"")), 6, "\"timeoutSeconds\"");
        yield return new("timeoutSeconds is fractional", "ADD", Conf.With(("timeoutSeconds", "2.5")), 6, "\"timeoutSeconds\"");
        yield return new("timeoutSeconds is true", "ADD", Conf.With(("timeoutSeconds", "true")), 6, "\"timeoutSeconds\"");
        yield return new("timeoutSeconds overflows", "ADD", Conf.With(("timeoutSeconds", "1e99")), 6, "\"timeoutSeconds\"");
        yield return new("timeoutSeconds is 0", "ADD", Conf.With(("timeoutSeconds", "0")), 7, "\"timeoutSeconds\" is 0");
        yield return new("timeoutSeconds is negative", "ADD", Conf.With(("timeoutSeconds", "-1")), 7, "\"timeoutSeconds\" is -1");
        yield return new("timeoutSeconds is 301", "ADD", Conf.With(("timeoutSeconds", "301")), 7, "\"timeoutSeconds\" is 301");
        yield return new("prevResult is a string", "CHECK", Conf.With(("prevResult", "\"x\"")), 6, "prevResult");
        yield return new("prevResult ips is a string", "CHECK", Conf.With(("prevResult", """{"cniVersion":"1.0.0","ips":"x"}""")), 6, "prevResult");
        yield return new("runtimeConfig is an array", "ADD", Conf.With(("runtimeConfig", "[]")), 6, "\"runtimeConfig\" must be an object");
        yield return new("args is a string", "ADD", Conf.With(("args", "\"x\"")), 6, "\"args\" must be an object");
        yield return new("capabilities is a number", "ADD", Conf.With(("capabilities", "5")), 6, "\"capabilities\" must be an object");
        yield return new("GC valid-attachments is an object", "GC", Conf.With(("cniVersion", "\"1.1.0\""), ("cni.dev/valid-attachments", "{}")), 6, "\"cni.dev/valid-attachments\" must be an array");
        yield return new("GC valid-attachments entry is a number", "GC", Conf.With(("cniVersion", "\"1.1.0\""), ("cni.dev/valid-attachments", "[1]")), 6, "entries must be objects");
        yield return new("GC valid-attachments entry lacks ifname", "GC", Conf.With(("cniVersion", "\"1.1.0\""), ("cni.dev/valid-attachments", """[{"containerID":"x"}]""")), 6, "need \"containerID\" and \"ifname\"");
        yield return new("GC attachments is a string", "GC", Conf.With(("cniVersion", "\"1.1.0\""), ("cni.dev/attachments", "\"x\"")), 6, "\"cni.dev/attachments\" must be an array");

        // Versions.
        yield return new("cniVersion 9.9.9", "ADD", Conf.Good("9.9.9"), 1, "\"9.9.9\"");
        yield return new("cniVersion 0.0.1", "ADD", Conf.Good("0.0.1"), 1, "\"0.0.1\"");
        yield return new("cniVersion 1.0", "ADD", Conf.Good("1.0"), 1, "\"1.0\"");
        yield return new("cniVersion v1.0.0", "ADD", Conf.Good("v1.0.0"), 1, "\"v1.0.0\"");
        yield return new("cniVersion with a space", "ADD", Conf.Good(" 1.0.0"), 1, "\" 1.0.0\"");
        yield return new("cniVersion unknown on DEL", "DEL", Conf.Good("2.0.0"), 1, "\"2.0.0\"");
        yield return new("cniVersion missing on CHECK (0.1.0)", "CHECK", Conf.Without("cniVersion"), 1, "CHECK");
        yield return new("cniVersion missing on STATUS", "STATUS", Conf.Without("cniVersion"), 1, "STATUS");
        yield return new("cniVersion missing on GC", "GC", Conf.Without("cniVersion"), 1, "GC");
        yield return new("cniVersion 0.3.1 on CHECK", "CHECK", Conf.With(("cniVersion", "\"0.3.1\""), ("prevResult", Conf.PrevResult)), 1, "CHECK");
        yield return new("cniVersion 1.0.0 on STATUS", "STATUS", Conf.Good(), 1, "STATUS");
        yield return new("cniVersion 1.0.0 on GC", "GC", Conf.Good(), 1, "GC");

        // The wrong kind of configuration, or a network that does not exist.
        yield return new("a conflist", "ADD", $$"""{"cniVersion":"1.0.0","name":"e2e","plugins":[{{Conf.Good()}}]}""", 7, "\"plugins\"");
        yield return new("a conflist with no plugins", "ADD", """{"cniVersion":"1.0.0","name":"e2e","plugins":[]}""", 7, "\"plugins\"");
        yield return new("name missing", "ADD", Conf.Without("name"), 7, "no \"name\"");
        yield return new("name empty", "ADD", Conf.With(("name", "\"\"")), 7, "no \"name\"");
        yield return new("name null", "ADD", Conf.With(("name", "null")), 7, "no \"name\"");
        yield return new("name with path traversal", "ADD", Conf.With(("name", "\"../etc\"")), 7, "\"../etc\"");
        yield return new("name with a slash", "DEL", Conf.With(("name", "\"a/b\"")), 7, "\"a/b\"");
        yield return new("name not configured in particled", "ADD", Conf.With(("name", "\"nosuchnet\"")), 7, "\"nosuchnet\" is not configured");
        yield return new("name 3000 characters", "ADD", Conf.With(("name", "\"" + new string('n', 3000) + "\"")), 7, "is not configured");
        yield return new("CHECK without prevResult", "CHECK", Conf.Good(), 7, "prevResult");
    }
}
