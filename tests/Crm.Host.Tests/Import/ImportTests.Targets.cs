using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Import;

/// <summary>
/// What a column may be mapped to, as <c>previewImport</c> offers it (every target, not only the
/// suggested ones: contact points with each value type, input-only link lists), and value types
/// mapped by hand reaching the imported record.
/// </summary>
public abstract partial class ImportTests
{
    [Fact]
    public async Task The_preview_offers_every_target_and_value_types_mapped_by_hand_reach_the_record()
    {
        var marker = Records.NewMarker("targets");
        var company = await Host.CreateCompanyAsync(new { title = $"{marker} Works" });
        // Headers no suggestion knows: every column is mapped by hand.
        var file = ImportFiles.Utf8($"Who,Family,Cell,Desk,Private,Employer\nAnn,{marker},+48 600 100 200,+48 22 100 20 30,ann@{marker}.example,{marker} Works\n");
        var fileId = await Host.UploadAsync(file);
        var preview = (await Host.QueryAsync("query($f: ID!) { previewImport(entityType: CONTACT, fileId: $f) { suggestedMapping { field } targets { field label valueType } errors { code } } }",
            new { f = fileId })).ShouldSucceed().Data!["previewImport"]!;
        Assert.Empty(preview["suggestedMapping"]!.AsArray());
        var targets = preview["targets"]!.AsArray().ToDictionary(t => t!["field"]!.GetValue<string>(), t => (Label: t!["label"]!.GetValue<string>(), ValueType: t["valueType"]?.GetValue<string>()));
        Assert.Equal(("Phone", (string?)null), targets["phones"]);
        Assert.Equal(("Phone", "MOBILE"), targets["phones:MOBILE"]);
        Assert.Equal(("E-mail", "HOME"), targets["emails:HOME"]);
        Assert.Equal(("Companies", (string?)null), targets["companyIds"]);
        Assert.Equal("First name", targets["name"].Label);
        // No read-only field is offered.
        Assert.DoesNotContain("id", targets.Keys);
        Assert.DoesNotContain("createdAt", targets.Keys);

        // Labelled in the caller's language: a Polish importer's.
        var role = await Host.CreateRoleAsync($"{marker}-pl", [new { entityType = "CONTACT", action = "IMPORT", level = "ALL" }]);
        var (userId, _, key) = await Host.NewUserWithKeyAsync($"{marker}-pl");
        (await Host.AssignAsync(role, userId: userId)).Ok();
        (await Host.MutateAsync("updateMyLanguage", "mutation { updateMyLanguage(language: \"pl\") { errors { code message } } }", apiKey: key)).Ok();
        var polish = (await Host.QueryAsync("query($f: ID!) { previewImport(entityType: CONTACT, fileId: $f) { targets { field label } errors { code } } }",
            new { f = await Host.UploadAsync(file, apiKey: key) }, key)).ShouldSucceed().Data!["previewImport"]!["targets"]!.AsArray()
            .ToDictionary(t => t!["field"]!.GetValue<string>(), t => t!["label"]!.GetValue<string>());
        Assert.Equal(("Telefon", "Firmy", "Imię"), (polish["phones:MOBILE"], polish["companyIds"], polish["name"]));

        var job = await Host.ImportAsync("CONTACT", file, new
        {
            mapping = Mapping(("Who", "name"), ("Family", "lastName"), ("Cell", "phones:MOBILE"), ("Desk", "phones:WORK"), ("Private", "emails:HOME"), ("Employer", "companyIds")),
        });
        Assert.Equal((1L, 0L), (job.Count("imported"), job.Count("rejected")));
        var contact = (await Host.QueryAsync("query($m: String!) { contacts(where: { lastName: { eq: $m } }) { nodes { phones { valueType } emails { valueType } companies { id } } } }", new { m = marker }))
            .ShouldSucceed().Data!["contacts"]!["nodes"]![0]!;
        Assert.Equal(["MOBILE", "WORK"], contact["phones"]!.AsArray().Select(p => p!["valueType"]!.GetValue<string>()));
        Assert.Equal(["HOME"], contact["emails"]!.AsArray().Select(p => p!["valueType"]!.GetValue<string>()));
        Assert.Equal(company, contact["companies"]![0]!["id"]!.GetValue<string>());
    }
}
