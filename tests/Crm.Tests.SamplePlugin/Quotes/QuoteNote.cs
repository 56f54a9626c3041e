namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>A note on a quote: the plugin's live source (<see cref="QuoteNotesSource"/>); its id is the cursor.</summary>
public sealed class QuoteNote
{
    public long Id { get; set; }

    /// <summary>The quote it is about; the note goes with it when the quote is deleted.</summary>
    public long QuoteId { get; set; }

    public string Text { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}
