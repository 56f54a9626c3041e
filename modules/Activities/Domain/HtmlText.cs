using Ganss.Xss;

namespace Crm.Modules.Activities.Domain;

/// <summary>A description given as HTML is kept only as HtmlSanitizer leaves it (no scripts, handlers or foreign styles).</summary>
public static class HtmlText
{
    // HtmlSanitizer is safe to share between threads once configured.
    private static readonly HtmlSanitizer Sanitizer = new();

    public static string Sanitize(string html) => Sanitizer.Sanitize(html);

    /// <summary>The text of an HTML fragment, for search.</summary>
    public static string Of(string html) => new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).Body?.TextContent ?? "";
}
