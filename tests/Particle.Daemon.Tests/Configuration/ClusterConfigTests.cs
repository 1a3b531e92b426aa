using System.Net;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Configuration;

public class ClusterConfigTests
{
    private const string Cluster = """
        "cluster": { "nodeName": "n1", "underlayAddress": "198.18.0.1", "static": { "file": "/etc/particle/nodes.json" } }
        """;

    private const string TenantA = """
        { "name": "a", "clusterCidr": "10.244.0.0/16", "bridge": "ta", "vxlan": { "vni": 100 } }
        """;

    [Fact]
    public void Overlay_networks_wait_for_their_lease_and_get_defaults()
    {
        var settings = Load($$"""{ {{Cluster}}, "networks": [ {{TenantA}}, { "name": "fixed", "subnet": "10.88.0.0/24", "bridge": "fx" } ] }""");

        settings.Cluster.Should().Be(new ClusterSettings("n1", IPAddress.Parse("198.18.0.1"), null, ClusterBackend.Static,
            new StaticClusterSettings("/etc/particle/nodes.json"), null, null));
        settings.Networks.Keys.Should().Equal("fixed");
        var overlay = settings.Overlays.Should().ContainSingle().Subject;
        overlay.Should().BeEquivalentTo(new
        {
            Network = "a", ClusterCidr = IPNetwork.Parse("10.244.0.0/16"), NodeSubnetLength = 24, Vni = 100u, Port = (ushort)4789,
            Device = "pvx100", Mtu = (int?)null,
        });
        overlay.EffectiveMtu(1500).Should().Be(1450);

        var leased = overlay.Define(IPNetwork.Parse("10.244.7.0/24"), overlay.EffectiveMtu(1500));
        leased.Should().BeEquivalentTo(new { Name = "a", Subnet = IPNetwork.Parse("10.244.7.0/24"), Gateway = IPAddress.Parse("10.244.7.1"), GatewayDevice = "ta", Mtu = 1450 });
        // An overlay tenant of the static backend reaches only its gateway's ping on the node; the whole CIDR is its address space.
        leased.NodeServices.Should().Be(NodeServices.PingOnly);
        leased.AddressSpace.Should().Be(IPNetwork.Parse("10.244.0.0/16"));
        settings.WithLeased([leased]).Networks.Keys.Should().BeEquivalentTo(["fixed", "a"]);
        var outside = () => overlay.Define(IPNetwork.Parse("10.245.7.0/24"), 1450);
        outside.Should().Throw<ConfigException>().WithMessage("*10.245.7.0/24 is not a /24 of 10.244.0.0/16*");
    }

    [Fact]
    public void Backend_sections_are_read()
    {
        var etcd = Load($$"""
            { "cluster": { "nodeName": "n1", "underlayInterface": "eth1", "backend": "etcd",
                           "etcd": { "endpoints": ["http://198.18.0.100:2379"], "prefix": "/p", "leaseTtlSeconds": 9 } },
              "networks": [ {{TenantA}} ] }
            """).Cluster!;
        etcd.UnderlayInterface.Should().Be("eth1");
        etcd.Etcd.Should().BeEquivalentTo(new { Endpoints = new[] { new Uri("http://198.18.0.100:2379") }, Prefix = "/p", LeaseTtl = TimeSpan.FromSeconds(9) });

        var secure = Load($$"""
            { "cluster": { "nodeName": "n1", "underlayInterface": "eth1", "backend": "etcd",
                           "etcd": { "endpoints": ["https://198.18.0.100:2379"], "caFile": "/etc/particle/etcd/ca.pem",
                                     "certFile": "/etc/particle/etcd/node.pem", "keyFile": "/etc/particle/etcd/node.key",
                                     "serverName": "etcd.cluster.test", "username": "particle", "passwordFile": "/etc/particle/etcd/password" } },
              "networks": [ {{TenantA}} ] }
            """).Cluster!;
        secure.Etcd.Should().BeEquivalentTo(new
        {
            CaFile = "/etc/particle/etcd/ca.pem", CertFile = "/etc/particle/etcd/node.pem", KeyFile = "/etc/particle/etcd/node.key",
            ServerName = "etcd.cluster.test", Username = "particle", PasswordFile = "/etc/particle/etcd/password",
        });

        var kube = Load($$"""{ "cluster": { "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "kubernetes" }, "networks": [ {{TenantA}} ] }""").Cluster!;
        kube.Kubernetes.Should().Be(new KubernetesClusterSettings("n1", null,
            "/var/run/secrets/kubernetes.io/serviceaccount/token", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"));
    }

    [Theory]
    [InlineData("""{ "nodeName": "N_1", "underlayAddress": "198.18.0.1" }""", "cluster: nodeName \"N_1\" must be*")]
    [InlineData("""{ "nodeName": "n1" }""", "cluster: give exactly one of underlayAddress and underlayInterface")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "underlayInterface": "eth0" }""", "cluster: give exactly one of*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.1" }""", "cluster: underlayAddress \"198.18.1\" is not an IPv4 address")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "127.0.0.1" }""", "cluster: underlayAddress 127.0.0.1 cannot carry VXLAN*")]
    [InlineData("""{ "nodeName": "n1", "underlayInterface": "a/b" }""", "cluster: underlayInterface \"a/b\" is not a valid interface name")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "consul" }""", "cluster: backend \"consul\" is not one of static, etcd, kubernetes")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "static": { "file": "nodes.json" } }""", "cluster: static.file must be an absolute path*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd" }""", "cluster: backend etcd needs etcd.endpoints*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["198.18.0.100:2379"] } }""", "cluster: etcd endpoint \"198.18.0.100:2379\" is not an http(s)://host:port URL")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["http://e:2379"], "prefix": "p" } }""", "cluster: etcd.prefix \"p\" must start with '/'*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["http://e:2379"], "leaseTtlSeconds": 1 } }""", "cluster: etcd.leaseTtlSeconds 1 is outside 2..3600")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["http://e:2379"], "caFile": "/etc/ca.pem" } }""", "cluster: etcd endpoint http://e:2379/ is http:// but TLS is configured*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["http://e:2379"], "username": "u", "passwordFile": "/etc/pw" } }""", "cluster: etcd endpoint http://e:2379/ is http://: a password is only sent over https://")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["https://e:2379"], "certFile": "/etc/c.pem" } }""", "cluster: etcd.certFile and etcd.keyFile go together*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["https://e:2379"], "username": "u" } }""", "cluster: etcd.username and etcd.passwordFile go together")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["https://e:2379"], "keyFile": "k.pem", "certFile": "/c.pem" } }""", "cluster: etcd.keyFile must be an absolute path*")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "etcd", "etcd": { "endpoints": ["https://e:2379"], "serverName": "a b" } }""", "cluster: etcd.serverName \"a b\" is not a host name or address")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "kubernetes", "kubernetes": { "apiServer": "ftp://x" } }""", "cluster: kubernetes.apiServer \"ftp://x\" is not an http(s) URL")]
    [InlineData("""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", "backend": "kubernetes", "kubernetes": { "tokenFile": "token" } }""", "cluster: kubernetes.tokenFile must be an absolute path*")]
    public void Bad_cluster_sections_are_refused_with_a_clear_message(string cluster, string expected)
    {
        var act = () => Load($$"""{ "cluster": {{cluster}}, "networks": [ {{TenantA}} ] }""");

        act.Should().Throw<ConfigException>().WithMessage(expected);
    }

    [Theory]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "subnet": "10.244.1.0/24", "vxlan": { "vni": 1 } """, "*give either subnet (single node) or clusterCidr (overlay), not both")]
    [InlineData(""" "clusterCidr": "10.244.0.1/16", "vxlan": { "vni": 1 } """, "*clusterCidr \"10.244.0.1/16\" is not a CIDR with no host bits set*")]
    [InlineData(""" "clusterCidr": "fd00::/64", "vxlan": { "vni": 1 } """, "*only IPv4 pod subnets are supported")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "nodeSubnetLength": 31, "vxlan": { "vni": 1 } """, "*nodeSubnetLength 31 is outside 16..30 (clusterCidr 10.244.0.0/16)")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "nodeSubnetLength": 8, "vxlan": { "vni": 1 } """, "*nodeSubnetLength 8 is outside 16..30*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16" """, "*clusterCidr needs a vxlan section*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 0 } """, "*vxlan.vni 0 is outside 1..16777215")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 16777216 } """, "*vxlan.vni 16777216 is outside 1..16777215")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 1, "port": 70000 } """, "*vxlan.port 70000 is outside 1..65535")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 1, "device": "a very long name" } """, "*vxlan.device \"a very long name\" is not a valid interface name*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 1, "device": "tz" } """, "*vxlan.device and gatewayInterface are both tz")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 1, "mtu": 100 } """, "*vxlan.mtu 100 is outside 576..65485")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "mtu": 1400, "vxlan": { "vni": 1 } """, "*mtu cannot be set with clusterCidr*vxlan.mtu*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "gateway": "10.244.0.1", "vxlan": { "vni": 1 } """, "*gateway cannot be set with clusterCidr*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "rangeStart": "10.244.0.5", "vxlan": { "vni": 1 } """, "*rangeStart cannot be set with clusterCidr*")]
    [InlineData(""" "clusterCidr": "10.244.0.0/16", "vxlan": { "vni": 1, "vnid": 2 } """, "*vnid*")]
    public void Bad_overlay_networks_are_refused_with_a_clear_message(string keys, string expected)
    {
        var act = () => Load($$"""{ {{Cluster}}, "networks": [ { "name": "z", "bridge": "tz", {{keys}} } ] }""");

        act.Should().Throw<ConfigException>().WithMessage(expected);
    }

    [Theory]
    [InlineData("""{ "name": "b", "clusterCidr": "10.245.0.0/16", "bridge": "tb", "vxlan": { "vni": 100 } }""", "networks \"a\" and \"b\" use the same vxlan.vni 100")]
    [InlineData("""{ "name": "b", "clusterCidr": "10.245.0.0/16", "bridge": "tb", "vxlan": { "vni": 101, "device": "pvx100" } }""", "networks \"a\" and \"b\" use the same vxlan.device pvx100")]
    [InlineData("""{ "name": "b", "clusterCidr": "10.244.128.0/17", "bridge": "tb", "vxlan": { "vni": 101 } }""", "networks \"a\" and \"b\" have overlapping clusterCidr 10.244.0.0/16 and 10.244.128.0/17")]
    [InlineData("""{ "name": "b", "clusterCidr": "10.245.0.0/16", "bridge": "ta", "vxlan": { "vni": 101 } }""", "networks \"b\" and \"a\" use the same gatewayInterface ta")]
    [InlineData("""{ "name": "b", "subnet": "10.244.3.0/24", "bridge": "tb" }""", "networks \"b\" and \"a\" have overlapping subnets 10.244.3.0/24 and 10.244.0.0/16")]
    [InlineData("""{ "name": "b", "subnet": "10.9.0.0/24", "bridge": "pvx100" }""", "network \"a\": vxlan.device pvx100 is the gatewayInterface of network \"b\"")]
    [InlineData("""{ "name": "a", "clusterCidr": "10.245.0.0/16", "bridge": "tb", "vxlan": { "vni": 101 } }""", "network \"a\" is configured twice")]
    public void Tenants_must_not_share_anything(string second, string expected)
    {
        var act = () => Load($$"""{ {{Cluster}}, "networks": [ {{TenantA}}, {{second}} ] }""");

        act.Should().Throw<ConfigException>().WithMessage(expected);
    }

    [Fact]
    public void An_overlay_network_needs_a_cluster_section()
    {
        var act = () => Load($$"""{ "networks": [ {{TenantA}} ] }""");

        act.Should().Throw<ConfigException>().WithMessage("network \"a\": clusterCidr needs a \"cluster\" section*");
    }

    [Fact]
    public void Single_node_configs_are_unchanged()
    {
        var settings = Load("""{ "networks": [ { "name": "pods", "subnet": "10.88.0.0/24" } ] }""");

        settings.Cluster.Should().BeNull();
        settings.Overlays.Should().BeEmpty();
        settings.Networks["pods"].Mtu.Should().Be(1500);
    }

    private static DaemonSettings Load(string json)
    {
        using var dir = new TempDir();
        string path = dir.File("node.json");
        File.WriteAllText(path, json);
        return DaemonSettings.Load(path);
    }
}
