using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.Timeline;
using Crm.Tests.SamplePlugin.Faults;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>A quote was accepted (published by <c>acceptQuote</c>): the plugin's own event contract.</summary>
[EventContract(TypeName, 1)]
public sealed record QuoteAccepted(long QuoteId, long? DealId, string Title, decimal Amount, string CurrencyId, long? AcceptedById, DateTime AcceptedAt, int? DaysToSpare) : CrmEvent
{
    public const string TypeName = "sample_plugin.quoteAccepted";

    public override EventSubject GetSubject() => new(QuoteEntity.Name, QuoteId);
}

/// <summary>
/// The plugin's own timeline kind, with a field of every type: a quote's acceptance on the quote's
/// timeline and on its deal's, with no code in the Timeline module.
/// </summary>
public sealed class QuoteTimeline : ITimelineKinds
{
    public static string Kind => FaultSettings.Current.TimelineKind ?? "quoteAccepted";

    public IEnumerable<TimelineKindDeclaration> Kinds { get; } =
    [
        new(FaultSettings.Current.Id ?? SamplePluginModule.Id, Kind, "QuoteAcceptedEntry", "A quote was accepted by the client.",
        [
            new("quoteId", TimelineFieldType.Id, false, "The quote."),
            new("title", TimelineFieldType.String, false, "Its title."),
            new("amount", TimelineFieldType.Float, false, "Its amount."),
            new("daysToSpare", TimelineFieldType.Int, true, "Days it was still valid for."),
            new("onDeal", TimelineFieldType.Boolean, false, "Whether this entry is on the quote's deal (rather than on the quote)."),
            new("acceptedAt", TimelineFieldType.DateTime, false, "When it was accepted."),
            new("price", TimelineFieldType.Json, false, "Amount and currency."),
        ]),
    ];

    public IEnumerable<TimelineEntryDraft> Project(DomainEvent<CrmEvent> domainEvent)
    {
        FaultSettings.ThrowIfAsked(EntryPoint.TimelineProjection);
        if (domainEvent.Data is not QuoteAccepted accepted)
        {
            yield break;
        }

        yield return new TimelineEntryDraft(QuoteEntity.Name, accepted.QuoteId, Kind, Data(accepted, onDeal: false));
        if (accepted.DealId is { } deal)
        {
            yield return new TimelineEntryDraft("deal", deal, Kind, Data(accepted, onDeal: true));
        }
    }

    private static JsonObject Data(QuoteAccepted accepted, bool onDeal) => new()
    {
        ["quoteId"] = accepted.QuoteId,
        ["title"] = accepted.Title,
        ["amount"] = accepted.Amount,
        ["daysToSpare"] = accepted.DaysToSpare,
        ["onDeal"] = onDeal,
        ["acceptedAt"] = DateTime.SpecifyKind(accepted.AcceptedAt, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
        ["price"] = new JsonObject { ["amount"] = accepted.Amount, ["currencyId"] = accepted.CurrencyId },
    };
}
