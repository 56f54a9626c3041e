using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Data;

namespace Crm.Host.Tests.Import;

/// <summary>
/// Users and companies named by name: a responsible user by e-mail or name, a contact's companies
/// and a deal's company by their exact titles; unknown and ambiguous names refuse their row with the
/// column and the reason.
/// </summary>
public abstract partial class ImportTests
{
    [Fact]
    public async Task Responsible_users_and_companies_are_taken_by_name_and_unknown_or_ambiguous_names_refuse_their_row()
    {
        var marker = Records.NewMarker("names");
        var (annaId, annaEmail, _) = await Host.NewUserWithKeyAsync($"{marker}-anna");
        await Host.NewUserWithKeyAsync($"{marker}-twin");
        await Host.NewUserWithKeyAsync($"{marker}-twin");
        var acme = await Host.CreateCompanyAsync(new { title = $"{marker} Acme, Inc." });
        var beta = await Host.CreateCompanyAsync(new { title = $"{marker} Beta" });
        await Host.CreateCompanyAsync(new { title = $"{marker} Double" });
        await Host.CreateCompanyAsync(new { title = $"{marker} Double" });

        // Batches of three rows: each batch looks its names up once.
        var csv = "Imię,Nazwisko,Odpowiedzialny,Firma\n"
            + $"A,{marker},{annaEmail.ToUpperInvariant()},\"{marker} Acme, Inc.\"\n"
            + $"B,{marker},{marker}-ANNA,\"{marker} Acme, Inc.; {marker} Beta\"\n"
            + $"C,{marker},{marker}-twin,{marker} Beta\n"
            + $"D,{marker},{annaId},{marker} Double\n"
            + $"E,{marker},nobody-{marker}@example.com,\n"
            + $"F,{marker},,{marker} Nowhere\n";
        var job = await Host.ImportAsync("CONTACT", ImportFiles.Utf8(csv), new
        {
            mapping = Mapping(("Imię", "name"), ("Nazwisko", "lastName"), ("Odpowiedzialny", "assignedById"), ("Firma", "companyIds")),
        });

        Assert.Equal((2L, 4L), (job.Count("imported"), job.Count("rejected")));
        var contacts = (await Host.QueryAsync("query($m: String!) { contacts(where: { lastName: { eq: $m } }, order: [{ name: ASC }]) { nodes { name assignedById companies { id } } } }", new { m = marker }))
            .ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(["A", "B"], contacts.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(contacts, c => Assert.Equal(annaId, c!["assignedById"]!.GetValue<string>()));
        Assert.Equal([[acme], [acme, beta]], contacts.Select(c => c!["companies"]!.AsArray().Select(x => x!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray()));

        var rejected = ExportFiles.ReadCsv(await Host.FileOfAsync(job["id"]!.GetValue<string>(), CrmHost.AdminKey));
        Assert.Equal(["C", "D", "E", "F"], rejected.Skip(1).Select(r => r[0]));
        Assert.StartsWith("Row 4, column 'Odpowiedzialny': 2 active users are called", rejected[1][4]);
        Assert.StartsWith("Row 5, column 'Firma': 2 companies are titled", rejected[2][4]);
        Assert.StartsWith("Row 6, column 'Odpowiedzialny': No active user has the e-mail or name", rejected[3][4]);
        Assert.StartsWith("Row 7, column 'Firma': None of the companies you may read is titled", rejected[4][4]);

        // A deal's company by its title.
        var deals = await Host.ImportAsync("DEAL", ImportFiles.Utf8($"Deal name,Company\n{marker} deal,{marker} Beta\n"),
            new { mapping = Mapping(("Deal name", "title"), ("Company", "companyId")) });
        Assert.Equal((1L, 0L), (deals.Count("imported"), deals.Count("rejected")));
        var deal = (await Host.QueryAsync("query($m: String!) { deals(where: { title: { eq: $m } }) { nodes { companyId } } }", new { m = $"{marker} deal" }))
            .ShouldSucceed().Data!["deals"]!["nodes"]![0]!;
        Assert.Equal(beta, deal["companyId"]!.GetValue<string>());

        // Looked up once a batch, not once a row: six rows (two batches) by name cost a few statements more than by id, not one a row.
        async Task<int> StatementsAsync(string responsible, string company)
        {
            var rows = string.Concat(Enumerable.Range(0, 6).Select(i => $"N{i},{marker}-cost,{responsible},\"{company}\"\n"));
            var fileId = await Host.UploadAsync(ImportFiles.Utf8("Imię,Nazwisko,Odpowiedzialny,Firma\n" + rows));
            (await Host.StartImportAsync("CONTACT", fileId, new
            {
                mapping = Mapping(("Imię", "name"), ("Nazwisko", "lastName"), ("Odpowiedzialny", "assignedById"), ("Firma", "companyIds")),
                dryRun = true,
            })).Ok();
            using var counted = SqlStatementCounter.BeginScope();
            await Host.RunJobsAsync();
            return counted.Count;
        }

        // Each the fewer of two runs: a cache's periodic version check can land in either once.
        var byId = Math.Min(await StatementsAsync(annaId, acme), await StatementsAsync(annaId, acme));
        var byName = Math.Min(await StatementsAsync(annaEmail, $"{marker} Acme, Inc."), await StatementsAsync(annaEmail, $"{marker} Acme, Inc."));
        Assert.True(byName - byId < 6, $"{byId} statements by id, {byName} by name for six rows");
    }
}
