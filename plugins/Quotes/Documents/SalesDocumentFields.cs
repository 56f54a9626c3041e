using Acme.Quotes.Data;
using Crm.PluginSdk.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes.Documents;

/// <summary>The declarations and the write hook a quote and an invoice share.</summary>
public static class SalesDocumentFields
{
    public const int MaxTitleLength = 255;

    /// <summary>The fields every sales document has; <paramref name="plural"/> names the back-references (<c>Deal.quotes</c>).</summary>
    public static void Declare<TDocument>(EntityBuilder<TDocument> entity, string plural, string statusList)
        where TDocument : SalesDocument
    {
        entity.SearchIncludes("deal", "company");
        entity.Field(d => d.Number).ReadOnly().ShowInList().Describe("The document's number of its year (Q-2026-0001), given when it is created.");
        entity.Field(d => d.Title).Required().MaxLength(MaxTitleLength).ShowInList();
        entity.Field(d => d.DealId).References("deal", "deal").WithBackReference(plural).Describe("The deal it is for.");
        entity.Field(d => d.CompanyId).References("company", "company").WithBackReference(plural).Describe("The client company.");
        entity.Field(d => d.ContactId).References("contact", "contact").WithBackReference(plural).Describe("The client's contact person.");
        entity.Field(d => d.StatusId).FromList(statusList).Stage().Describe($"An item of the {statusList} list.");
        entity.Field(d => d.CurrencyId).Currency().Describe("ISO 4217 currency code of every amount.");
        entity.Field(d => d.Subtotal).ReadOnly().InGroup("totals").Describe("The rows' net amounts (after discounts), before tax; computed from the rows.");
        entity.Field(d => d.TaxTotal).ReadOnly().InGroup("totals").Describe("The rows' tax; computed from the rows.");
        entity.Field(d => d.Total).ReadOnly().ShowInList().InGroup("totals").Describe("Subtotal plus tax; computed from the rows.");
        entity.Field(d => d.RowCount).ReadOnly().InGroup("totals").Describe($"How many product rows it has (at most {RowTotals.MaxRows}).");
        entity.Field(d => d.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for it.");
        entity.Field(d => d.Opened).Describe("Visible to everyone allowed to see open records.");
        entity.AuditFields();
    }

    /// <summary>
    /// Inside the SDK's create or update: gives a new document its number, and replaces its rows
    /// and totals when the plugin's mutation offered rows for this write (<see cref="PendingRows"/>).
    /// </summary>
    public static async Task ApplyAsync<TDocument, TRow>(MutationContext<TDocument, QuotesDbContext> mutation, string entityType, string numberKind,
        Func<TDocument, TRow> newRow, Func<QuotesDbContext, DbSet<TRow>> rowsOf)
        where TDocument : SalesDocument
        where TRow : ProductRow
    {
        var document = mutation.Record;
        if (mutation.IsCreate)
        {
            var year = mutation.Clock.GetUtcNow().UtcDateTime.Year;
            document.Number = await DocumentNumbers.NextAsync(mutation.Db, numberKind, year, mutation.CancellationToken);
        }

        var pending = mutation.Services.GetRequiredService<PendingRows>();
        if (!pending.TryTake(entityType, mutation.IsCreate ? null : document.Id, out var offered))
        {
            return;
        }

        if (!mutation.IsCreate)
        {
            // Tracked, so that the save deletes them in the write's own transaction.
            rowsOf(mutation.Db).RemoveRange(await rowsOf(mutation.Db).Where(r => r.DocumentId == document.Id).ToListAsync(mutation.CancellationToken));
        }

        var rows = offered.Select((input, position) =>
        {
            var row = newRow(document);
            row.DocumentId = document.Id;
            row.Position = position;
            row.ProductName = input.ProductName.Trim();
            row.Price = input.Price;
            row.Quantity = input.Quantity;
            row.DiscountRate = input.DiscountRate;
            row.TaxRate = input.TaxRate;
            return row;
        }).ToList();
        RowTotals.Apply(document, rows);
        rowsOf(mutation.Db).AddRange(rows);
    }
}
