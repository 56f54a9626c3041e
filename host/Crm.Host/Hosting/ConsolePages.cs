using Microsoft.AspNetCore.StaticFiles;

namespace Crm.Host.Hosting;

/// <summary>
/// The web console (host/Crm.Console, built into wwwroot/console and committed): its page at
/// <c>/</c> and at every client route a browser opens (<c>/records/deal/5</c>), its hashed assets
/// under <c>/console/assets/</c> cached for a year. Other clients at <c>/</c> are told where the API is.
/// </summary>
public static class ConsolePages
{
    /// <summary>Where the build puts its assets; their names carry a hash of their content, so they never change.</summary>
    public const string AssetsPath = "/console/assets/";

    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    private static string IndexFile => Path.Combine(AppContext.BaseDirectory, "wwwroot", "console", "index.html");

    /// <summary>Static files with the console's assets marked immutable.</summary>
    public static StaticFileOptions StaticFileOptions(string webRoot) => new()
    {
        FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(webRoot),
        ContentTypeProvider = new FileExtensionContentTypeProvider(),
        OnPrepareResponse = context =>
        {
            if (context.Context.Request.Path.StartsWithSegments("/console/assets", StringComparison.Ordinal))
            {
                context.Context.Response.Headers.CacheControl = ImmutableCaching;
            }
        },
    };

    public static void MapConsole(this WebApplication app)
    {
        app.MapGet("/", (HttpContext http) => AcceptsHtml(http.Request) && File.Exists(IndexFile)
            ? ServeIndex(http)
            : Results.Text("Crm.Platform\nConsole: open / in a browser\nGraphQL: POST or GET /graphql (a browser opening /graphql gets GraphiQL)\nHealth: /healthz, /readyz\n"));
        // A client route (no file extension, no endpoint of its own) opened or reloaded in a browser
        // gets the console's page, which routes itself; anything else stays a 404.
        app.MapFallback((HttpContext http) =>
            HttpMethods.IsGet(http.Request.Method) && AcceptsHtml(http.Request) && File.Exists(IndexFile)
                ? ServeIndex(http)
                : Results.NotFound());
    }

    private static IResult ServeIndex(HttpContext http)
    {
        // The page names the current assets: a browser asks again each time rather than keep an old one.
        http.Response.Headers.CacheControl = "no-cache";
        return Results.File(IndexFile, "text/html; charset=utf-8");
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
