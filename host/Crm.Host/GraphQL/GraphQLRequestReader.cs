using System.Text.Json;
using GraphQL;
using Microsoft.Net.Http.Headers;

namespace Crm.Host.GraphQL;

/// <summary>A GraphQL request as the client sent it.</summary>
internal sealed record GraphQLHttpRequest(string Query, string? OperationName, Inputs? Variables, Inputs? Extensions);

/// <summary>
/// Reads a GraphQL request from a POST's JSON body (UTF-8, at most <c>GraphQL:MaxRequestBytes</c>,
/// counted while it arrives) or from a GET's URL parameters; else says why not, with the HTTP status.
/// </summary>
internal sealed class GraphQLRequestReader(IGraphQLTextSerializer serializer, long maxRequestBytes)
{
    public async Task<(GraphQLHttpRequest? Request, string? Problem, int Status)> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        HttpMethods.IsPost(request.Method) ? await ReadPostAsync(request, cancellationToken) : ReadGet(request);

    private async Task<(GraphQLHttpRequest? Request, string? Problem, int Status)> ReadPostAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals(GraphQLHttpEndpoint.JsonMediaType, StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"The body must be {GraphQLHttpEndpoint.JsonMediaType} (got '{request.ContentType ?? "no Content-Type"}').", StatusCodes.Status415UnsupportedMediaType);
        }

        // A parameter value may be quoted: charset="utf-8" is charset=utf-8.
        var charset = HeaderUtilities.RemoveQuotes(contentType.Charset);
        if (charset.HasValue && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"The body must be UTF-8 (got charset '{charset}').", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > maxRequestBytes)
        {
            return (null, $"The body is {request.ContentLength} bytes; the limit is {maxRequestBytes} (GraphQL:MaxRequestBytes).", StatusCodes.Status413PayloadTooLarge);
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[16_384];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxRequestBytes)
                {
                    return (null, $"The body exceeds the limit of {maxRequestBytes} bytes (GraphQL:MaxRequestBytes).", StatusCodes.Status413PayloadTooLarge);
                }

                buffer.Write(chunk, 0, read);
            }

            body = buffer.ToArray();
        }

        JsonElement root;
        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            root = json.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not valid JSON: {ex.Message}", StatusCodes.Status400BadRequest);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "The body must be a JSON object with a 'query'.", StatusCodes.Status400BadRequest);
        }

        var (parsed, problem) = ReadObject(root);
        return parsed is null ? (null, problem, StatusCodes.Status400BadRequest) : (parsed, null, 200);
    }

    /// <summary>A request from its JSON object (a POST body, a WebSocket <c>subscribe</c> payload), or what is wrong with it.</summary>
    public (GraphQLHttpRequest? Request, string? Problem) ReadObject(JsonElement root)
    {
        string? Text(string name, out string? error)
        {
            error = null;
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                error = $"'{name}' must be a string.";
            }

            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        var query = Text("query", out var queryError);
        if (queryError is not null || string.IsNullOrWhiteSpace(query))
        {
            return (null, queryError ?? "The request has no 'query'.");
        }

        var operationName = Text("operationName", out var nameError);
        if (nameError is not null)
        {
            return (null, nameError);
        }

        var (variables, variablesError) = Map(root, "variables");
        var (extensions, extensionsError) = Map(root, "extensions");
        if ((variablesError ?? extensionsError) is { } mapError)
        {
            return (null, mapError);
        }

        return (new GraphQLHttpRequest(query, operationName, variables, extensions), null);
    }

    private (Inputs? Value, string? Error) Map(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        return value.ValueKind == JsonValueKind.Object
            ? (serializer.ReadNode<Inputs>(value), null)
            : (null, $"'{name}' must be a JSON object.");
    }

    private (GraphQLHttpRequest? Request, string? Problem, int Status) ReadGet(HttpRequest request)
    {
        var query = request.Query["query"].ToString();
        if (string.IsNullOrWhiteSpace(query))
        {
            return (null, "The request has no 'query' parameter.", StatusCodes.Status400BadRequest);
        }

        Inputs? variables = null;
        Inputs? extensions = null;
        foreach (var (name, set) in new (string, Action<Inputs?>)[] { ("variables", v => variables = v), ("extensions", e => extensions = e) })
        {
            var text = request.Query[name].ToString();
            if (string.IsNullOrEmpty(text))
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (json.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, $"'{name}' must be a JSON object.", StatusCodes.Status400BadRequest);
                }

                set(serializer.ReadNode<Inputs>(json.RootElement.Clone()));
            }
            catch (JsonException ex)
            {
                return (null, $"'{name}' is not valid JSON: {ex.Message}", StatusCodes.Status400BadRequest);
            }
        }

        var operationName = request.Query["operationName"].ToString();
        return (new GraphQLHttpRequest(query, operationName.Length == 0 ? null : operationName, variables, extensions), null, 200);
    }
}
