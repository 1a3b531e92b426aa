namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>Paths that are not what they claim: CNI_NETNS, the daemon socket, the state folder.</summary>
public static class PathCases
{
    public static IEnumerable<HostileCase> All()
    {
        string good = Conf.Good();
        const string NotNetns = "is not a network namespace";

        // CNI_NETNS: judged by particled (it opens the path), or by the plugin when the path cannot mean the
        // same thing to both.
        yield return new("netns is a regular file", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "{FILE}")));
        yield return new("netns is a directory", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "{FOLDER}")));
        yield return new("netns is /", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/")));
        yield return new("netns is /run/netns", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/run/netns")));
        yield return new("netns is /dev/null", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/dev/null")));
        yield return new("netns is /dev/zero", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/dev/zero")));
        yield return new("netns is a FIFO (must not hang)", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "{FIFO}")));
        yield return new("netns is a mount namespace", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/proc/{TESTPID}/ns/mnt")));
        yield return new("netns is a uts namespace", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/proc/{TESTPID}/ns/uts")));
        yield return new("netns is a pid namespace", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/proc/{TESTPID}/ns/pid")));
        yield return new("netns is the ns folder", "ADD", good, 4, NotNetns, Conf.Env(("CNI_NETNS", "/proc/{TESTPID}/ns")));
        yield return new("netns is /proc/self/ns/mnt", "ADD", good, 4, "CNI_NETNS \"/proc/self/ns/mnt\" goes through /proc/self", Conf.Env(("CNI_NETNS", "/proc/self/ns/mnt")));
        yield return new("netns is /proc/self/ns/net", "ADD", good, 4, "goes through /proc/self", Conf.Env(("CNI_NETNS", "/proc/self/ns/net")));
        yield return new("netns is /proc/thread-self/ns/net", "ADD", good, 4, "goes through /proc/thread-self", Conf.Env(("CNI_NETNS", "/proc/thread-self/ns/net")));
        yield return new("DEL netns is /proc/self/ns/net", "DEL", good, 4, "goes through /proc/self", Conf.Env(("CNI_NETNS", "/proc/self/ns/net")));
        yield return new("netns of a dead process", "ADD", good, 3, "CNI_NETNS {DEADNS} does not exist", Conf.Env(("CNI_NETNS", "{DEADNS}")));
        yield return new("netns missing", "ADD", good, 3, "CNI_NETNS /run/netns/{PREFIX}-missing does not exist", Conf.Env(("CNI_NETNS", "/run/netns/{PREFIX}-missing")));
        yield return new("netns under a regular file", "ADD", good, 5, "cannot open CNI_NETNS {FILE}/net", Conf.Env(("CNI_NETNS", "{FILE}/net")));
        yield return new("netns is particled's socket", "ADD", good, 5, "cannot open CNI_NETNS {SOCKET}", Conf.Env(("CNI_NETNS", "{SOCKET}")));
        yield return new("netns is relative", "ADD", good, 4, "CNI_NETNS \"pod\" is not an absolute path", Conf.Env(("CNI_NETNS", "pod")));
        yield return new("netns is relative traversal", "ADD", good, 4, "is not an absolute path", Conf.Env(("CNI_NETNS", "../../run/netns/x")));
        yield return new("DEL netns is relative", "DEL", good, 4, "CNI_NETNS \"./x\" is not an absolute path", Conf.Env(("CNI_NETNS", "./x")));
        yield return new("CHECK netns is relative", "CHECK", Conf.With(("prevResult", Conf.PrevResult)), 4, "is not an absolute path", Conf.Env(("CNI_NETNS", "netns")));
        yield return new("netns with a newline", "ADD", good, 4, "contains a control character", Conf.Env(("CNI_NETNS", "/run/netns/a\nb")));

        // The socket in the configuration: never connected when it is not a sane absolute path; a wrong
        // file is "unreachable" (11, 50 for STATUS) and names the path; ADD leaves nothing behind.
        yield return new("socket is a regular file", "ADD", Conf.With(("socket", "\"{FILE}\"")), 11, "particled is not reachable at {FILE}");
        yield return new("socket is a directory", "ADD", Conf.With(("socket", "\"{FOLDER}\"")), 11, "particled is not reachable at {FOLDER}");
        yield return new("socket is a FIFO", "ADD", Conf.With(("socket", "\"{FIFO}\"")), 11, "particled is not reachable at {FIFO}");
        yield return new("socket is /dev/null", "ADD", Conf.With(("socket", "\"/dev/null\"")), 11, "particled is not reachable at /dev/null");
        yield return new("socket is missing", "ADD", Conf.With(("socket", "\"{DIR}/gone.sock\"")), 11, "not reachable at {DIR}/gone.sock: no such file");
        yield return new("socket is owned by another user", "ADD", Conf.With(("socket", "\"{FOREIGNSOCK}\"")), 11, "owned by uid 65534, not root; refusing to talk to it");
        yield return new("socket is a symbolic link to particled's", "ADD", Conf.With(("socket", "\"{LINKSOCK}\"")), 11, "symbolic link; refusing to follow it");
        yield return new("STATUS socket owned by another user", "STATUS", Conf.With(("cniVersion", "\"1.1.0\""), ("socket", "\"{FOREIGNSOCK}\"")), 50, "owned by uid 65534");
        yield return new("DEL with the socket owned by another user cleans up locally and leaves a note", "DEL",
            Conf.With(("socket", "\"{FOREIGNSOCK}\""), ("stateDir", "\"{DIR}/del-state\"")), 0, "", NoteExpected: true);
        yield return new("socket is relative", "ADD", Conf.With(("socket", "\"particled.sock\"")), 7, "\"socket\" \"particled.sock\" must be an absolute path");
        yield return new("socket is empty", "ADD", Conf.With(("socket", "\"\"")), 7, "\"socket\" \"\" must be an absolute path");
        yield return new("socket is too long", "ADD", Conf.With(("socket", "\"/" + new string('s', 120) + "\"")), 7, "at most 107 bytes");
        yield return new("socket is too long (multibyte)", "ADD", Conf.With(("socket", "\"/" + new string('é', 60) + "\"")), 7, "at most 107 bytes");
        yield return new("STATUS socket is a regular file", "STATUS", Conf.With(("cniVersion", "\"1.1.0\""), ("socket", "\"{FILE}\"")), 50, "particled is not reachable at {FILE}");
        yield return new("GC socket is a directory", "GC", Conf.With(("cniVersion", "\"1.1.0\""), ("socket", "\"{FOLDER}\"")), 11, "particled is not reachable at {FOLDER}");
        yield return new("CHECK socket is a regular file", "CHECK", Conf.With(("socket", "\"{FILE}\""), ("prevResult", Conf.PrevResult)), 11, "particled is not reachable at {FILE}");

        // DEL while particled is unreachable: the note is the right outcome when it can be written safely.
        yield return new("DEL with the socket a regular file leaves a note", "DEL",
            Conf.With(("socket", "\"{FILE}\""), ("stateDir", "\"{DIR}/del-state\"")), 0, "", NoteExpected: true);
        yield return new("DEL with an empty netns leaves a note", "DEL",
            Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{DIR}/del-state\"")), 0, "", Conf.Env(("CNI_NETNS", "")), NoteExpected: true);
        yield return new("DEL stateDir is a regular file", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{FILE}\"")), 5, "{FILE}/pending-del");
        yield return new("DEL stateDir under a regular file", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{FILE}/state\"")), 5, "{FILE}/state/pending-del");
        yield return new("DEL stateDir is /dev/null", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"/dev/null\"")), 5, "/dev/null/pending-del");
        yield return new("DEL stateDir is relative", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"state\"")), 7, "\"stateDir\" \"state\" must be an absolute path");
        yield return new("DEL stateDir is empty", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"\"")), 7, "\"stateDir\"");
        yield return new("DEL pending-del is a planted symlink", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{PLANTED}\"")), 5, "{PLANTED}/pending-del");
        yield return new("DEL pending-del is writable by others", "DEL", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{LOOSE}\"")), 5, "{LOOSE}/pending-del");
        yield return new("ADD with the daemon unreachable leaves no note", "ADD", Conf.With(("socket", "\"{DIR}/gone.sock\""), ("stateDir", "\"{DIR}/del-state\"")), 11, "try again later");
    }
}
