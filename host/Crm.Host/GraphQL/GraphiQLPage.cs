namespace Crm.Host.GraphQL;

/// <summary>GraphiQL, for a browser that opens <c>/graphql</c> (a GET without a query that accepts HTML).</summary>
internal static class GraphiQLPage
{
    public static bool IsAskedFor(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && !request.Query.ContainsKey("query") && AcceptsHtml(request);

    public static async Task ServeAsync(HttpContext http)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "wwwroot", "graphiql", "index.html");
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.SendFileAsync(path, http.RequestAborted);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
