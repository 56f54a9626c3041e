using Acme.Quotes.Invoices;
using Acme.Quotes.Quotes;

namespace Acme.Quotes.Documents;

/// <summary>
/// A line of a quote or an invoice: what is sold, at which price, how many, with which discount
/// and tax (percentages), and the line's amounts as <see cref="RowTotals"/> computed them.
/// </summary>
public abstract class ProductRow
{
    public long Id { get; set; }

    public long DocumentId { get; set; }

    /// <summary>The row's place in its document, from 0.</summary>
    public int Position { get; set; }

    public string ProductName { get; set; } = "";

    public decimal Price { get; set; }

    public decimal Quantity { get; set; }

    /// <summary>A percentage of price × quantity, 0 to 100.</summary>
    public decimal DiscountRate { get; set; }

    /// <summary>A percentage of the net amount, 0 to 100.</summary>
    public decimal TaxRate { get; set; }

    /// <summary>Price × quantity less the discount.</summary>
    public decimal NetAmount { get; set; }

    public decimal TaxAmount { get; set; }

    public decimal TotalAmount { get; set; }
}

public sealed class QuoteRow : ProductRow
{
    /// <summary>Lets a row be added with a quote not yet saved: EF writes the quote first and takes its id.</summary>
    public Quote? Quote { get; set; }
}

public sealed class InvoiceRow : ProductRow
{
    public Invoice? Invoice { get; set; }
}
