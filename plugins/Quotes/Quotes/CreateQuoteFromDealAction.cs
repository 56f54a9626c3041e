using System.Text.Json.Nodes;
using Acme.Quotes.Documents;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes.Quotes;

/// <summary>
/// The automation action <c>acme_quotes.createQuoteFromDeal</c>: a draft quote for the run's deal,
/// with one product row when the rule names a product, made through the quote type's own create
/// with the run-as user's rights (its number, its history, its events).
/// </summary>
public sealed class CreateQuoteFromDealAction : IAutomationActionKind
{
    public string Name => "acme_quotes.createQuoteFromDeal";

    public string Description => "Makes a draft quote for the deal, with one product row when a product is named.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("title", ParameterType.String, "What is offered.") { Required = true, MaxLength = SalesDocumentFields.MaxTitleLength },
        new("validDays", ParameterType.Integer, "How many days the offer holds from the run.") { Default = 30L, Minimum = 0, Maximum = 365 },
        new("productName", ParameterType.String, "The product of the quote's one row; none when left out.") { MaxLength = RowTotals.MaxProductNameLength },
        new("price", ParameterType.Decimal, "The row's price.") { Minimum = 0, Maximum = RowTotals.MaxPrice },
        new("quantity", ParameterType.Decimal, "The row's quantity.") { Default = 1m, Minimum = 0.001m, Maximum = RowTotals.MaxQuantity },
        new("taxRate", ParameterType.Decimal, "The row's tax rate, a percentage.") { Default = 0m, Minimum = 0, Maximum = 100 },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => recordType.Name == "deal";

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var parameters = context.Parameters;
        var pending = context.Services.GetRequiredService<PendingRows>();
        if (parameters.GetOrDefault<string>("productName") is { Length: > 0 } product)
        {
            IReadOnlyList<ProductRowInput> rows =
                [new(product, parameters.GetOrDefault<decimal>("price"), parameters.GetOrDefault("quantity", 1m), 0m, parameters.GetOrDefault<decimal>("taxRate"))];
            if (RowTotals.Check(rows, "parameters") is { Count: > 0 } errors)
            {
                return ActionOutcome.Refused(errors);
            }

            pending.Offer(QuoteEntity.Name, null, rows);
        }

        var today = DateOnly.FromDateTime((context.Services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime);
        var input = new Dictionary<string, object?>
        {
            ["title"] = parameters.Get<string>("title"),
            ["dealId"] = context.Record.Id,
            ["validUntil"] = today.AddDays((int)parameters.GetOrDefault("validDays", 30L)),
        };
        var quotes = (ICrmEntityDefinition)context.Services.GetRequiredService<IEntityRegistry>().Get(QuoteEntity.Name);
        try
        {
            var payload = await quotes.CreateAsync(context.Services, input, cancellationToken);
            return payload.Record is ICrmRecord quote && payload.Errors.Count == 0
                ? ActionOutcome.Success(new JsonObject { ["quoteId"] = quote.Id, ["number"] = ((Quote)quote).Number }, new SideEffect(SideEffectKind.RecordCreated, QuoteEntity.Name, quote.Id))
                : ActionOutcome.Refused(payload.Errors);
        }
        finally
        {
            pending.Clear();
        }
    }
}
