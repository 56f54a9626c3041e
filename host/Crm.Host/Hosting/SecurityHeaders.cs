namespace Crm.Host.Hosting;

/// <summary>
/// Headers that keep browsers from misreading what the host serves: every answer is
/// <c>nosniff</c>; an HTML page (GraphiQL) may run only its own script, talk only to this host,
/// not be framed and sends no referrer.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// GraphiQL's script and styles are files under /graphiql/ on this host (its fonts and icons
    /// data: URLs inside them) and it talks to /graphql only. Styles set from script are CSSOM,
    /// which style-src does not restrict.
    /// </summary>
    public const string HtmlContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        // Set as the headers go out: an error answer made after Response.Clear() gets them too.
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.ContentSecurityPolicy = HtmlContentSecurityPolicy;
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
            }

            return Task.CompletedTask;
        });
        await next(http);
    });
}
