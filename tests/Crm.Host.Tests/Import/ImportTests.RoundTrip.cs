using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Import;

/// <summary>Export to CSV and to XLSX, then import each with the mapping suggested from the export's own labels: the imported records equal the exported ones.</summary>
public abstract partial class ImportTests
{
    [Theory]
    [InlineData("CSV")]
    [InlineData("XLSX")]
    public async Task An_export_imports_back_into_equal_records(string format)
    {
        var marker = Records.NewMarker("trip" + format);
        var tags = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("TAGS"), type = "STRING", label = "Tags " + marker, multiple = true });
        var tagsName = tags["fieldName"]!.GetValue<string>();
        for (var i = 0; i < 4; i++)
        {
            await Host.CreateContactAsync(new Dictionary<string, object?>
            {
                ["name"] = $"Zoë {i}",
                ["lastName"] = $"{marker} Łęcka",
                ["post"] = i % 2 == 0 ? "=SUM(A1)" : null,
                ["birthdate"] = $"199{i}-0{i + 1}-1{i}",
                ["sourceId"] = "CALL",
                ["emails"] = new[] { new { value = $"z{i}.{marker}@example.com" }, new { value = $"other{i}.{marker}@example.com" } },
                ["phones"] = new[] { new { value = $"+48 600 00{i} 000" } },
                [tagsName] = new[] { "red", $"tag {i}" },
            });
        }

        string[] columns = ["name", "lastName", "post", "birthdate", "sourceId", "emails", "phones", tagsName];
        var export = await Host.ExportedJobAsync(CrmHost.AdminKey, "CONTACT", new { lastName = new { startsWith = marker } }, columns, format, new[] { new { id = "ASC" } });
        await Host.RunJobsAsync();
        var file = await Host.FileOfAsync(export, CrmHost.AdminKey);

        var fileId = await Host.UploadAsync(file, "export." + format.ToLowerInvariant());
        var mapping = (await PreviewAsync(fileId))["suggestedMapping"]!.AsArray();
        Assert.Equal(columns.Length, mapping.Count);
        var start = (await Host.StartImportAsync("CONTACT", fileId, new { mapping })).Ok();
        await Host.RunJobsAsync();
        Assert.Equal(4L, (await Host.JobWithCountsAsync(start["job"]!["id"]!.GetValue<string>()))!.Count("imported"));

        var all = (await Host.QueryAsync($"query($m: String!) {{ contacts(where: {{ lastName: {{ startsWith: $m }} }}, order: [{{ id: ASC }}]) {{ nodes {{ name lastName post birthdate sourceId emails {{ value valueType }} phones {{ value valueType }} {tagsName} }} }} }}",
            new { m = marker })).ShouldSucceed().Data!["contacts"]!["nodes"]!.AsArray();
        Assert.Equal(8, all.Count);
        // "=SUM(A1)" went out as "'=SUM(A1)" (formula injection) and came back as it was.
        Assert.Equal(all.Take(4).Select(c => c!.ToJsonString()), all.Skip(4).Select(c => c!.ToJsonString()));
    }
}
