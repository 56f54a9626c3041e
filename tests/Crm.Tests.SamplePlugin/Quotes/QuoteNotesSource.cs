using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Live;
using Crm.Tests.SamplePlugin.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>The quote notes as a live source: read in id order; a note is visible to whoever may read its quote.</summary>
public sealed class QuoteNotesSource : ILiveSource<QuoteNote>
{
    public const string SignalName = SamplePluginModule.Id + ".quote_notes";

    public string Signal => SignalName;

    public long CursorOf(QuoteNote item) => item.Id;

    public async Task<long> LastCursorAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<SamplePluginDbContext>().QuoteNotes.MaxAsync(n => (long?)n.Id, cancellationToken) ?? 0;

    public async Task<IReadOnlyList<QuoteNote>> ReadAfterAsync(IServiceProvider services, long after, int limit, CancellationToken cancellationToken) =>
        await services.GetRequiredService<SamplePluginDbContext>().QuoteNotes.AsNoTracking()
            .Where(n => n.Id > after).OrderBy(n => n.Id).Take(limit).ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<QuoteNote>> VisibleAsync(IServiceProvider services, IReadOnlyList<QuoteNote> items, CancellationToken cancellationToken)
    {
        // The SDK's loader applies the actor's access filter: one statement for the batch.
        var quotes = services.GetRequiredService<IEntityRegistry>().Find(QuoteEntity.Name)!;
        var readable = await quotes.LoadByIdsAsync(services, items.Select(n => n.QuoteId).Distinct().ToList(), cancellationToken);
        return items.Where(n => readable.ContainsKey(n.QuoteId)).ToList();
    }
}
