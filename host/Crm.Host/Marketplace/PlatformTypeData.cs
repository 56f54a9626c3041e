using System.Text.Json;
using Crm.Host.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Marketplace;

/// <summary>
/// The host's own rows about an uninstalled plugin's record types: event deliveries and claims on
/// its records, and the jobs over its type (bulk actions, exports, imports: their parameters'
/// <c>entityType</c>), with their result files.
/// </summary>
internal sealed class PlatformTypeData(PlatformDbContext db, Jobs.JobFiles files) : IRecordTypeDataOwner
{
    /// <summary>Jobs read per statement while their parameters are looked at.</summary>
    private const int Batch = 500;

    public async Task<int> PurgeRecordTypesAsync(IServiceProvider services, IReadOnlyCollection<string> recordTypes, CancellationToken cancellationToken)
    {
        var types = recordTypes.ToArray();
        var rows = await db.EventDeliveries.Where(d => types.Contains(d.EntityType)).ExecuteDeleteAsync(cancellationToken);
        rows += await db.EventClaims.Where(c => types.Contains(c.EntityType)).ExecuteDeleteAsync(cancellationToken);

        // Parameters are JSON of the job kind's own shape: narrowed in SQL by the text, then read as JSON.
        var doomed = new List<long>();
        for (long after = 0; ;)
        {
            var page = await db.Jobs.AsNoTracking().Where(j => j.Id > after && j.Parameters.Contains("\"entityType\"")).OrderBy(j => j.Id)
                .Select(j => new { j.Id, j.Parameters }).Take(Batch).ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            doomed.AddRange(page.Where(j => NamesType(j.Parameters, types)).Select(j => j.Id));
            after = page[^1].Id;
        }

        foreach (var chunk in doomed.Chunk(Batch))
        {
            rows += await db.Jobs.Where(j => chunk.Contains(j.Id)).ExecuteDeleteAsync(cancellationToken);
            foreach (var id in chunk)
            {
                files.Delete(id);
            }
        }

        return rows;
    }

    private static bool NamesType(string parameters, string[] types)
    {
        try
        {
            using var json = JsonDocument.Parse(parameters);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("entityType", out var type) && type.ValueKind == JsonValueKind.String
                && types.Contains(type.GetString(), StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
