namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>The static backend: one nodes file every daemon reads; leaving = being taken out of the file.</summary>
public sealed class StaticMembership : IClusterMembership
{
    private readonly HashSet<string> _removed = [];
    private SimCluster? _cluster;

    public string Backend => "static";

    public string File => Path.Combine(_cluster!.Dir, "nodes.json");

    public void Prepare(SimCluster cluster)
    {
        _cluster = cluster;
        Write();
    }

    public string ClusterSection(SimNode node) => $$"""
        "backend": "static", "static": { "file": "{{File}}" }
        """;

    public void Remove(SimNode node)
    {
        _removed.Add(node.Name);
        Write();
    }

    public void Restore(SimNode node)
    {
        _removed.Remove(node.Name);
        Write();
    }

    public void Dispose()
    {
    }

    /// <summary>Renamed into place, as an operator's tool would: a reader never sees half a file.</summary>
    private void Write()
    {
        var nodes = _cluster!.Nodes.Where(n => !_removed.Contains(n.Name)).Select(n =>
        {
            var subnets = string.Join(", ", _cluster.Tenants.Select(t => $"\"{t.Name}\": \"{t.SubnetOf(n)}\""));
            return $$"""    { "name": "{{n.Name}}", "underlay": "{{n.Underlay}}", "subnets": { {{subnets}} } }""";
        });
        string temporary = File + ".tmp";
        System.IO.File.WriteAllText(temporary, "{ \"nodes\": [\n" + string.Join(",\n", nodes) + "\n] }\n");
        System.IO.File.Move(temporary, File, overwrite: true);
    }
}
