using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// A plugin's own automation action (found by convention, as any module's): offers a draft quote for
/// the run's deal, through the quote type's own create, with the run-as user's rights.
/// </summary>
public sealed class OfferQuoteAction : IAutomationActionKind
{
    public string Name => "sample_plugin.offerQuote";

    public string Description => "Offers a draft quote for the deal.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("title", ParameterType.String, "What is offered.") { Required = true, MaxLength = 200 },
        new("amount", ParameterType.Decimal, "The price; not negative.") { Minimum = 0, Maximum = 1_000_000_000 },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => recordType.Name == "deal";

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?> { ["title"] = context.Parameters.Get<string>("title"), ["dealId"] = context.Record.Id };
        if (context.Parameters.Has("amount"))
        {
            input["amount"] = context.Parameters.Get<decimal>("amount");
        }

        var quotes = (ICrmEntityDefinition)context.Services.GetRequiredService<IEntityRegistry>().Get(QuoteEntity.Name);
        var payload = await quotes.CreateAsync(context.Services, input, cancellationToken);
        return payload.Record is ICrmRecord quote && payload.Errors.Count == 0
            ? ActionOutcome.Success(new JsonObject { ["quoteId"] = quote.Id }, new SideEffect(SideEffectKind.RecordCreated, QuoteEntity.Name, quote.Id))
            : ActionOutcome.Refused(payload.Errors);
    }
}
