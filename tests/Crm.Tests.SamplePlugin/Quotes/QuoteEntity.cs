using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using Crm.Tests.SamplePlugin.Data;
using Microsoft.EntityFrameworkCore;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// The quote type: every generic feature (list, filters, order, search, custom fields, rights,
/// events) comes from the SDK; what is declared here is what is a quote's own.
/// </summary>
public sealed class QuoteEntity() : CrmEntityDefinition<Quote, SamplePluginDbContext>(Name)
{
    public new const string Name = "quote";

    /// <summary>A right of the quote's own, beyond READ..IMPORT: accepting on the client's behalf.</summary>
    public static readonly PermissionAction Accept = new("ACCEPT");

    protected override void Configure(EntityBuilder<Quote> entity)
    {
        entity.Describe("A price offer for a deal (the tests' sample plugin).");
        entity.Action(Accept.Name, "Accept quotes on the client's behalf (acceptQuote).");
        // Labels prove the metadata takes a plugin's own; validUntil is left unlabelled and falls back to "Valid until".
        entity.Label("en", "Quote", "Quotes").Label("pl", "Oferta", "Oferty");
        entity.ActionLabel(Accept.Name, "pl", "Akceptacja");
        entity.SearchIncludes("deal");
        entity.Field(q => q.Title).Required().Label("pl", "Tytuł").Describe("What is offered.");
        entity.Field(q => q.DealId).References("deal", "deal").WithBackReference("quotes").Describe("The deal it is offered for.");
        entity.Field(q => q.RevisesId).References(Name, "revises").Describe("The quote this one revises.");
        entity.Field(q => q.StatusId).FromList(QuoteLists.Statuses).Describe("An item of the QUOTE_STATUS list; acceptQuote sets the accepted one.");
        entity.Field(q => q.Amount).Range(0).Label("pl", "Kwota").Describe("The price, in currencyId; not negative.");
        entity.Field(q => q.CurrencyId).Currency().Describe("ISO 4217 currency code.");
        entity.Field(q => q.ValidUntil).Describe("The last day the offer holds; by default the plugin's validity days after today.");
        entity.Field(q => q.ClosedAt).ReadOnly().Describe("When it was accepted or withdrawn.");
        entity.Field(q => q.AcceptedById).ReferencesUser("acceptedBy").ReadOnly().Describe("Who accepted it.");
        entity.Field(q => q.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the quote.");
        entity.Field(q => q.Opened).Describe("Visible to everyone allowed to see open records.");
        entity.AuditFields();
    }

    protected override async Task ApplyInputAsync(MutationContext<Quote, SamplePluginDbContext> mutation)
    {
        // Today by the platform's clock, so that tests moving time see it here too.
        if (mutation.IsCreate && !mutation.Input.ContainsKey("validUntil"))
        {
            var terms = await mutation.Db.QuoteTerms.AsNoTracking().SingleAsync(t => t.Id == QuoteTerms.Row, mutation.CancellationToken);
            mutation.Record.ValidUntil = DateOnly.FromDateTime(mutation.Clock.GetUtcNow().UtcDateTime).AddDays(terms.ValidityDays);
        }
    }
}
