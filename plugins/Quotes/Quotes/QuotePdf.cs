using System.Globalization;
using Acme.Quotes.Documents;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Acme.Quotes.Quotes;

/// <summary>
/// A quote as an A4 PDF (PDFsharp 6): its number, title, validity, rows and totals, on as many
/// pages as the rows take. The fonts are PDFsharp's own Segoe WP, so nothing depends on the
/// fonts of the server.
/// </summary>
public static class QuotePdf
{
    private const double Margin = 50;
    private const double LineHeight = 16;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // PDFsharp's fonts are process-wide (this plugin's load context): set once, before any drawing.
    private static readonly Lazy<bool> Fonts = new(() =>
    {
        GlobalFontSettings.FontResolver ??= new BundledFonts();
        return true;
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Columns: product, quantity, price, discount %, tax %, total (x of each, in points).</summary>
    private static readonly double[] Columns = [Margin, 280, 335, 405, 450, 495];

    public static byte[] Render(Quote quote, IReadOnlyList<ProductRow> rows)
    {
        _ = Fonts.Value;
        using var document = new PdfDocument();
        document.Info.Title = $"Quote {quote.Number}";
        var heading = new XFont(BundledFonts.Family, 16, XFontStyleEx.Bold);
        var bold = new XFont(BundledFonts.Family, 9, XFontStyleEx.Bold);
        var regular = new XFont(BundledFonts.Family, 9, XFontStyleEx.Regular);

        XGraphics? page = null;
        double y = 0, bottom = 0;
        void NewPage()
        {
            page?.Dispose();
            var pdfPage = document.AddPage();
            pdfPage.Size = PdfSharp.PageSize.A4;
            page = XGraphics.FromPdfPage(pdfPage);
            bottom = pdfPage.Height.Point - Margin;
            y = Margin;
            string[] titles = ["Product", "Qty", "Price", "Disc. %", "Tax %", "Total"];
            for (var i = 0; i < titles.Length; i++)
            {
                Cell(page, titles[i], bold, i, y + 100);
            }
        }

        NewPage();
        page!.DrawString($"Quote {quote.Number}", heading, XBrushes.Black, Margin, y + 20);
        page.DrawString(Fit(quote.Title, 90), regular, XBrushes.Black, Margin, y + 45);
        page.DrawString(quote.ValidUntil is { } until ? $"Valid until {until.ToString("yyyy-MM-dd", Invariant)}" : "", regular, XBrushes.Black, Margin, y + 60);
        page.DrawString($"Currency: {quote.CurrencyId}", regular, XBrushes.Black, Margin, y + 75);
        y += 100 + LineHeight;
        foreach (var row in rows)
        {
            if (y + LineHeight > bottom)
            {
                NewPage();
                y += 100 + LineHeight;
            }

            Cell(page!, Fit(row.ProductName, 45), regular, 0, y);
            Cell(page!, row.Quantity.ToString("0.###", Invariant), regular, 1, y);
            Cell(page!, row.Price.ToString("N2", Invariant), regular, 2, y);
            Cell(page!, row.DiscountRate.ToString("0.##", Invariant), regular, 3, y);
            Cell(page!, row.TaxRate.ToString("0.##", Invariant), regular, 4, y);
            Cell(page!, row.TotalAmount.ToString("N2", Invariant), regular, 5, y);
            y += LineHeight;
        }

        if (y + 4 * LineHeight > bottom)
        {
            NewPage();
            y += 100 + LineHeight;
        }

        y += LineHeight;
        foreach (var (label, amount) in new[] { ("Subtotal", quote.Subtotal), ("Tax", quote.TaxTotal), ("Total", quote.Total) })
        {
            Cell(page!, label, bold, 4, y);
            Cell(page!, amount.ToString("N2", Invariant), bold, 5, y);
            y += LineHeight;
        }

        page!.Dispose();
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static void Cell(XGraphics page, string text, XFont font, int column, double y) =>
        page.DrawString(text, font, XBrushes.Black, Columns[column], y);

    private static string Fit(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 3), "...");

    /// <summary>Every family as PDFsharp's bundled Segoe WP (regular and bold).</summary>
    private sealed class BundledFonts : IFontResolver
    {
        public const string Family = "Segoe WP";

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(bold ? "SegoeWP-Bold" : "SegoeWP");

        public byte[] GetFont(string faceName) =>
            faceName == "SegoeWP-Bold" ? PdfSharp.WPFonts.FontDataHelper.SegoeWPBold : PdfSharp.WPFonts.FontDataHelper.SegoeWP;
    }
}
