using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;

namespace Crm.Host.Tests.Import;

/// <summary>An import host that also loads the tests' sample plugin, whose quotes link to a quote they revise (a link to their own kind).</summary>
public abstract class ImportQuotesHost(Engine engine) : ImportHost(engine)
{
    // Made when the host starts, not with the fixture (tests also make fixtures they never start).
    private SamplePluginFolder? _plugin;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings) { ["Modules:Path"] = _plugin!.FullName };

    public override async Task InitializeAsync()
    {
        _plugin = new SamplePluginFolder(faults: null);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _plugin?.Dispose();
    }
}

public sealed class ImportQuotesSqliteHost() : ImportQuotesHost(Engine.Sqlite);

public sealed class ImportQuotesPostgresHost() : ImportQuotesHost(Engine.Postgres);

/// <summary>
/// Records of the imported type named by title (a quote naming the quote it revises): a row finds a
/// record an earlier row of its own batch creates, as it would alone, whether that row is in the same
/// batch or an earlier one; and a title two records then carry is ambiguous, as alone.
/// </summary>
public abstract class ImportOfOwnKindTests(ImportQuotesHost fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_row_naming_a_record_an_earlier_row_of_its_batch_creates_finds_it_as_it_would_alone()
    {
        var marker = Records.NewMarker("revised");
        // Batches of three rows (Import:BatchSize): v2 names v1 and v3 names v2 in the same batch, v4 names v3 of the batch before;
        // a second v1 then makes v1 ambiguous for the row after it; a title no quote has is refused.
        var csv = "Title,Revises\n"
            + $"{marker} v1,\n{marker} v2,{marker} v1\n{marker} v3,{marker} v2\n"
            + $"{marker} v4,{marker} v3\n{marker} v1,\n{marker} twice,{marker} v1\n"
            + $"{marker} lost,{marker} nowhere\n";
        var job = await Host.ImportAsync("QUOTE", ImportFiles.Utf8(csv), new { mapping = new[] { new { column = "Title", field = "title" }, new { column = "Revises", field = "revisesId" } } });

        Assert.Equal((5L, 2L), (job.Count("imported"), job.Count("rejected")));
        var quotes = (await Host.QueryAsync("query($m: String!) { quotes(where: { title: { startsWith: $m } }, order: [{ id: ASC }]) { nodes { id title revisesId } } }", new { m = marker }))
            .ShouldSucceed().Data!["quotes"]!["nodes"]!.AsArray()
            .Select(q => (Id: q!["id"]!.GetValue<string>(), Title: q["title"]!.GetValue<string>()[(marker.Length + 1)..], Revises: q["revisesId"]?.GetValue<string>()))
            .ToList();
        Assert.Equal(["v1", "v2", "v3", "v4", "v1"], quotes.Select(q => q.Title));
        Assert.Equal([null, quotes[0].Id, quotes[1].Id, quotes[2].Id, null], quotes.Select(q => q.Revises));

        var rejected = ExportFiles.ReadCsv(await Host.FileOfAsync(job["id"]!.GetValue<string>(), CrmHost.AdminKey));
        Assert.StartsWith("Row 7, column 'Revises': 2 quotes are titled", rejected[1][2]);
        Assert.StartsWith("Row 8, column 'Revises': None of the quotes you may read is titled", rejected[2][2]);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class ImportOfOwnKindOnSqlite(ImportQuotesSqliteHost fixture) : ImportOfOwnKindTests(fixture), IClassFixture<ImportQuotesSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class ImportOfOwnKindOnPostgres(ImportQuotesPostgresHost fixture) : ImportOfOwnKindTests(fixture), IClassFixture<ImportQuotesPostgresHost>;
