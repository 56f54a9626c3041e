using Crm.PluginSdk.Lists;

namespace Acme.Quotes.Documents;

/// <summary>The statuses of quotes and invoices: selection lists the admins edit like any other.</summary>
public sealed class DocumentLists : ISelectionListDeclarations
{
    public const string QuoteStatuses = "ACME_QUOTE_STATUS";
    public const string InvoiceStatuses = "ACME_INVOICE_STATUS";
    public const string Draft = "DRAFT";

    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new(QuoteStatuses, "Quote statuses",
        [
            new(Draft, "Draft", ListItemSemantics.Process, System: true),
            new("SENT", "Sent to the client", ListItemSemantics.Process),
            new("ACCEPTED", "Accepted", ListItemSemantics.Success, System: true),
            new("DECLINED", "Declined", ListItemSemantics.Failure),
        ]) { HasSemantics = true },
        new(InvoiceStatuses, "Invoice statuses",
        [
            new(Draft, "Draft", ListItemSemantics.Process, System: true),
            new("SENT", "Sent to the client", ListItemSemantics.Process),
            new("PAID", "Paid", ListItemSemantics.Success, System: true),
            new("CANCELLED", "Cancelled", ListItemSemantics.Failure),
        ]) { HasSemantics = true },
    ];
}
