using Acme.Quotes.Data;
using Acme.Quotes.Documents;
using Acme.Quotes.Quotes;
using Crm.PluginSdk.Entities;

namespace Acme.Quotes.Invoices;

/// <summary>The invoice type: like a quote, with the quote it was made from and a due date.</summary>
public sealed class InvoiceEntity() : CrmEntityDefinition<Invoice, QuotesDbContext>(Name)
{
    public new const string Name = "invoice";

    protected override void Configure(EntityBuilder<Invoice> entity)
    {
        entity.Describe("A bill for a deal, with product rows (Acme Quotes).");
        entity.Label("en", "Invoice", "Invoices").Label("pl", "Faktura", "Faktury");
        SalesDocumentFields.Declare(entity, "invoices", DocumentLists.InvoiceStatuses);
        entity.Field(i => i.QuoteId).References(QuoteEntity.Name, "quote").WithBackReference("invoices").Describe("The quote it was made from.");
        entity.Field(i => i.DueDate).Describe("The day it is to be paid by.");
    }

    protected override Task ApplyInputAsync(MutationContext<Invoice, QuotesDbContext> mutation) =>
        SalesDocumentFields.ApplyAsync(mutation, Name, "I", invoice => new InvoiceRow { Invoice = invoice }, db => db.InvoiceRows);
}
