using System.Globalization;
using Crm.PluginSdk.GraphQL;

namespace Acme.Quotes.Documents;

/// <summary>A product row as a client sends it (<c>ProductRowInput</c>).</summary>
public sealed record ProductRowInput(string ProductName, decimal Price, decimal Quantity, decimal DiscountRate, decimal TaxRate);

/// <summary>
/// The limits of product rows and their arithmetic, in exact decimals: a line's net amount is
/// price × quantity less the discount, its tax the net amount × the tax rate, each rounded to
/// cents (half away from zero) as an invoice prints them; a document's totals are the sums of its
/// lines. The bounds keep every total within the 14 integer digits the amounts' columns hold.
/// </summary>
public static class RowTotals
{
    public const int MaxRows = 100;
    public const int MaxProductNameLength = 200;
    public const decimal MaxPrice = 10_000_000m;
    public const decimal MaxQuantity = 10_000m;

    /// <summary>Every problem of <paramref name="rows"/>, at <c>rows.N.field</c> under <paramref name="path"/>.</summary>
    public static List<UserError> Check(IReadOnlyList<ProductRowInput> rows, params string[] path)
    {
        var errors = new List<UserError>();
        if (rows.Count > MaxRows)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A document has at most {MaxRows} product rows; {rows.Count} were sent.", [.. path]));
            return errors;
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            string[] At(string field) => [.. path, i.ToString(CultureInfo.InvariantCulture), field];
            if (string.IsNullOrWhiteSpace(row.ProductName) || row.ProductName.Length > MaxProductNameLength)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A product name has 1 to {MaxProductNameLength} characters.", At("productName")));
            }

            Bound(errors, row.Price, 0, MaxPrice, 2, "price", At("price"));
            Bound(errors, row.Quantity, 0.001m, MaxQuantity, 3, "quantity", At("quantity"));
            Bound(errors, row.DiscountRate, 0, 100, 2, "discount rate (a percentage)", At("discountRate"));
            Bound(errors, row.TaxRate, 0, 100, 2, "tax rate (a percentage)", At("taxRate"));
        }

        return errors;
    }

    /// <summary>A line's net, tax and total amounts.</summary>
    public static (decimal Net, decimal Tax, decimal Total) Line(decimal price, decimal quantity, decimal discountRate, decimal taxRate)
    {
        var gross = price * quantity;
        var net = Cents(gross - Cents(gross * discountRate / 100m));
        var tax = Cents(net * taxRate / 100m);
        return (net, tax, net + tax);
    }

    /// <summary>Fills each row's amounts and the document's totals.</summary>
    public static void Apply(SalesDocument document, IReadOnlyList<ProductRow> rows)
    {
        foreach (var row in rows)
        {
            (row.NetAmount, row.TaxAmount, row.TotalAmount) = Line(row.Price, row.Quantity, row.DiscountRate, row.TaxRate);
        }

        document.Subtotal = rows.Sum(r => r.NetAmount);
        document.TaxTotal = rows.Sum(r => r.TaxAmount);
        document.Total = rows.Sum(r => r.TotalAmount);
        document.RowCount = rows.Count;
    }

    private static decimal Cents(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    private static void Bound(List<UserError> errors, decimal value, decimal minimum, decimal maximum, int decimals, string what, string[] path)
    {
        if (value < minimum || value > maximum || decimal.Round(value, decimals) != value)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, string.Create(CultureInfo.InvariantCulture,
                $"A {what} is from {minimum} to {maximum} with at most {decimals} decimals; {value} was sent."), path));
        }
    }
}
