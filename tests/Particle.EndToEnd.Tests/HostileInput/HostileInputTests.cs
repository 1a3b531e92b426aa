namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>
/// The hostile and broken input corpus (issue 6, item 2): each case runs the published plugin against a
/// real particled and asserts the CNI code, that the message names the problem, and that nothing was
/// created: no address, no link on the node, nothing but lo in the pod, no file (except a DEL note where
/// that is the right outcome).
/// </summary>
public sealed class HostileInputTests(CorpusNode corpus) : IClassFixture<CorpusNode>
{
    private static readonly Dictionary<string, HostileCase> Cases = ConfigCases.All()
        .Concat(EnvironmentCases.All())
        .Concat(PathCases.All())
        .ToDictionary(c => c.Name);

    public static TheoryData<string> ConfigCaseNames() => Names(ConfigCases.All());
    public static TheoryData<string> EnvironmentCaseNames() => Names(EnvironmentCases.All());
    public static TheoryData<string> PathCaseNames() => Names(PathCases.All());

    [Theory]
    [MemberData(nameof(ConfigCaseNames))]
    public void Configuration(string name) => corpus.Verify(Cases[name]);

    [Theory]
    [MemberData(nameof(EnvironmentCaseNames))]
    public void Environment(string name) => corpus.Verify(Cases[name]);

    [Theory]
    [MemberData(nameof(PathCaseNames))]
    public void Paths(string name) => corpus.Verify(Cases[name]);

    [Fact]
    public void The_corpus_has_at_least_100_cases_with_unique_names() => Cases.Count.Should().BeGreaterThanOrEqualTo(100);

    private static TheoryData<string> Names(IEnumerable<HostileCase> cases)
    {
        var data = new TheoryData<string>();
        foreach (var c in cases)
            data.Add(c.Name);
        return data;
    }
}
