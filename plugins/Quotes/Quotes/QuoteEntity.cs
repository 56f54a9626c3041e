using Acme.Quotes.Data;
using Acme.Quotes.Documents;
using Crm.PluginSdk.Entities;

namespace Acme.Quotes.Quotes;

/// <summary>
/// The quote type. Lists, filters, order, search, custom fields, rights, history and events come
/// from the SDK; the number, the rows and the totals are the plugin's.
/// </summary>
public sealed class QuoteEntity() : CrmEntityDefinition<Quote, QuotesDbContext>(Name)
{
    public new const string Name = "quote";

    protected override void Configure(EntityBuilder<Quote> entity)
    {
        entity.Describe("A price offer for a deal, with product rows (Acme Quotes).");
        entity.Label("en", "Quote", "Quotes").Label("pl", "Oferta", "Oferty");
        SalesDocumentFields.Declare(entity, "quotes", DocumentLists.QuoteStatuses);
        entity.Field(q => q.ValidUntil).Describe("The last day the offer holds.");
    }

    protected override Task ApplyInputAsync(MutationContext<Quote, QuotesDbContext> mutation) =>
        SalesDocumentFields.ApplyAsync(mutation, Name, "Q", quote => new QuoteRow { Quote = quote }, db => db.QuoteRows);
}
