using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Security;
using Crm.Tests.SamplePlugin.Data;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// <c>acceptQuote(id:)</c>: a mutation of the plugin's own, guarded by its own right (ACCEPT). Of
/// concurrent acceptances of one quote exactly one succeeds: the quote is locked before its
/// status is read.
/// </summary>
public sealed class AcceptQuoteSchema : ISchemaContributor
{
    public sealed record AcceptPayload(object? Quote, IReadOnlyList<UserError> Errors);

    public void Contribute(SchemaComposer composer)
    {
        var payload = new ObjectGraphType { Name = "AcceptQuotePayload", Description = "The accepted quote, or why it was not accepted." };
        payload.AddField(new FieldType { Name = "quote", ResolvedType = composer.EntityType(QuoteEntity.Name), Resolver = new FuncFieldResolver<object?>(c => ((AcceptPayload)c.Source!).Quote) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((AcceptPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "acceptQuote",
            Description = "Marks a quote accepted by the client (needs the ACCEPT right on it); a quote already accepted or closed is refused. Publishes sample_plugin.quoteAccepted.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("id");
                return RecordIds.TryParse(raw, out var id)
                    ? await AcceptAsync(c.RequestServices!, id, c.CancellationToken)
                    : new AcceptPayload(null, [RecordIds.Invalid(raw, QuoteEntity.Name, "id")]);
            }),
        });
    }

    private static async Task<AcceptPayload> AcceptAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<SamplePluginDbContext>();
        var quotes = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Find(QuoteEntity.Name)!;
        var statuses = await services.GetRequiredService<ISelectionLists>().GetItemsAsync(QuoteLists.Statuses, cancellationToken);
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            await db.LockAsync<Quote>([id], RowLock.NoKeyUpdate, cancellationToken);
            var quote = await quotes.ReachesAsync(services, id, QuoteEntity.Accept, cancellationToken)
                ? await db.Quotes.FirstOrDefaultAsync(q => q.Id == id, cancellationToken)
                : null;
            if (quote is null)
            {
                return new AcceptPayload(null, [quotes.ReachesAll(services, QuoteEntity.Accept)
                    ? Refusals.NotFound(QuoteEntity.Name, id, "id")
                    : Refusals.Forbidden("accept", QuoteEntity.Name, id, "id")]);
            }

            if (statuses.FirstOrDefault(s => s.Id == quote.StatusId)?.Semantics is ListItemSemantics.Success or ListItemSemantics.Failure)
            {
                return new AcceptPayload(null, [UserError.At("QUOTE_CLOSED", $"The quote is {quote.StatusId.ToLowerInvariant()} already.", "id")]);
            }

            quote.StatusId = QuoteLists.Accepted;
            quote.ClosedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            quote.AcceptedById = services.GetRequiredService<ICurrentActor>().UserId;
            db.Publish(new QuoteAccepted(quote.Id, quote.DealId, quote.Title, quote.Amount, quote.CurrencyId, quote.AcceptedById, quote.ClosedAt.Value,
                quote.ValidUntil is { } until ? until.DayNumber - DateOnly.FromDateTime(quote.ClosedAt.Value).DayNumber : null));
            await db.SaveChangesAsync(cancellationToken);
            return new AcceptPayload(quote, []);
        }, result => result.Errors.Count == 0, cancellationToken);
    }
}
