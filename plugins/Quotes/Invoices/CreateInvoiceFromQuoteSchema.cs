using Acme.Quotes.Data;
using Acme.Quotes.Documents;
using Acme.Quotes.Quotes;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes.Invoices;

/// <summary>
/// <c>createInvoiceFromQuote(quoteId:)</c>: an invoice with the quote's client, deal, currency and
/// rows, made through the invoice type's own create (the caller's ADD right on invoices, its
/// number, its history), in one transaction with the read of the quote.
/// </summary>
public sealed class CreateInvoiceFromQuoteSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        if (!composer.HasEntityType(InvoiceEntity.Name) || !composer.HasEntityType(QuoteEntity.Name))
        {
            return;
        }

        var payload = new ObjectGraphType { Name = "CreateInvoiceFromQuotePayload", Description = "The invoice made, or why it was not." };
        payload.AddField(new FieldType { Name = "invoice", ResolvedType = composer.EntityType(InvoiceEntity.Name), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "createInvoiceFromQuote",
            Description = "Makes an invoice from a quote the caller may read: its title, deal, company, contact, currency and product rows (totals included). Needs the right to add invoices.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "quoteId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("quoteId");
                return RecordIds.TryParse(raw, out var id)
                    ? await CreateAsync(c.RequestServices!, id, c.CancellationToken)
                    : new MutationPayload(null, [RecordIds.Invalid(raw, QuoteEntity.Name, "quoteId")]);
            }),
        });
    }

    private static async Task<MutationPayload> CreateAsync(IServiceProvider services, long quoteId, CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        var quotes = (ICrmEntityDefinition)registry.Get(QuoteEntity.Name);
        var invoices = (ICrmEntityDefinition)registry.Get(InvoiceEntity.Name);
        var db = services.GetRequiredService<QuotesDbContext>();
        var pending = services.GetRequiredService<PendingRows>();
        try
        {
            return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
            {
                // The quote stays until the invoice that names it is written (its totals are recomputed from the rows copied).
                await db.LockAsync<Quote>([quoteId], RowLock.KeyShare, cancellationToken);
                var quote = await quotes.ReachesAsync(services, quoteId, PermissionAction.Read, cancellationToken)
                    ? await db.Quotes.AsNoTracking().FirstOrDefaultAsync(q => q.Id == quoteId, cancellationToken)
                    : null;
                if (quote is null)
                {
                    return new MutationPayload(null, [quotes.ReachesAll(services, PermissionAction.Read)
                        ? Refusals.NotFound(QuoteEntity.Name, quoteId, "quoteId")
                        : Refusals.Forbidden("read", QuoteEntity.Name, quoteId, "quoteId")]);
                }

                var rows = await db.QuoteRows.AsNoTracking().Where(r => r.DocumentId == quoteId).OrderBy(r => r.Position).ToListAsync(cancellationToken);
                pending.Offer(InvoiceEntity.Name, null, [.. rows.Select(r => new ProductRowInput(r.ProductName, r.Price, r.Quantity, r.DiscountRate, r.TaxRate))]);
                return await invoices.CreateAsync(services, new Dictionary<string, object?>
                {
                    ["title"] = quote.Title,
                    ["quoteId"] = quote.Id,
                    ["dealId"] = quote.DealId,
                    ["companyId"] = quote.CompanyId,
                    ["contactId"] = quote.ContactId,
                    ["currencyId"] = quote.CurrencyId,
                }, cancellationToken);
            }, payload => payload.Errors.Count == 0, cancellationToken);
        }
        finally
        {
            pending.Clear();
        }
    }
}
