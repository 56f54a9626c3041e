using System.Globalization;
using System.Text.Json;
using Crm.Host.Uploads;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Crm.Host.GraphQL;

/// <summary>A file of a GraphQL multipart request, stored before the operation runs: what an <c>Upload</c> variable holds.</summary>
public sealed record UploadReference(Crm.PluginSdk.Uploads.UploadedFile File);

/// <summary>
/// The GraphQL multipart request convention (jaydenseric's spec, as Apollo's upload link and urql
/// send it): a multipart/form-data POST whose parts are <c>operations</c> (the request's JSON),
/// <c>map</c> (which file part goes to which variables: <c>{ "0": ["variables.file"] }</c>) and then
/// the files. Each file is streamed into the caller's uploads as it arrives, never held whole, and
/// its variables get an <see cref="UploadReference"/>, which only the <c>Upload</c> scalar takes.
/// Bounded: the operations part by <c>GraphQL:MaxRequestBytes</c>, the map by
/// <c>Uploads:MaxMapBytes</c>, the files by <c>Uploads:MaxFilesPerRequest</c> and each by
/// <c>Uploads:MaxFileBytes</c>, and all of them by what the owner may still keep. A batch (an array of operations) is not served.
/// </summary>
internal sealed class GraphQLMultipartReader(GraphQLRequestReader requests, UploadStore store, UploadOptions options, long maxRequestBytes)
{
    /// <summary>The most variable paths one file may fill.</summary>
    public const int MaxPathsPerFile = 10;

    public sealed record Outcome(GraphQLHttpRequest? Request, int Status, string? Code, string? Problem);

    public static bool IsMultipart(HttpRequest request, out MediaTypeHeaderValue? type) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    public async Task<Outcome> ReadAsync(HttpRequest request, MediaTypeHeaderValue type, CancellationToken cancellationToken)
    {
        var limit = maxRequestBytes + options.MaxMapBytes + options.MaxFilesPerRequest * (options.MaxFileBytes + UploadEndpoint.MultipartOverhead);
        if (request.ContentLength > limit)
        {
            return TooLarge($"The body is {request.ContentLength} bytes; the most a multipart request may send is {limit} (GraphQL:MaxRequestBytes, Uploads:MaxFilesPerRequest × Uploads:MaxFileBytes).");
        }

        UploadEndpoint.AllowBody(request.HttpContext, limit);
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return Bad("The multipart body names no boundary.");
        }

        // A request refused after some of its files were stored keeps none of them.
        var stored = new List<long>();
        var outcome = await ReadOrRefuseAsync(new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024 }, stored, cancellationToken);
        if (outcome.Request is null && stored.Count > 0)
        {
            // Not the request's token: a client that went away still leaves nothing behind.
            await store.DeleteOwnAsync(stored, CancellationToken.None);
        }

        return outcome;
    }

    private async Task<Outcome> ReadOrRefuseAsync(MultipartReader reader, List<long> stored, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadPartsAsync(reader, stored, cancellationToken);
        }
        catch (UploadTooLargeException ex)
        {
            return TooLarge(ex.Message);
        }
        catch (InvalidDataException ex)
        {
            // The reader's own limits (a part's headers too long) and a malformed body.
            return Bad($"The multipart body is malformed: {ex.Message}");
        }
        catch (Exception) when (stored.Count > 0)
        {
            await store.DeleteOwnAsync(stored, CancellationToken.None);
            throw;
        }
    }

    private async Task<Outcome> ReadPartsAsync(MultipartReader reader, List<long> stored, CancellationToken cancellationToken)
    {
        var operations = await NextFieldAsync(reader, "operations", maxRequestBytes, cancellationToken);
        if (operations.Problem is not null)
        {
            return operations.Problem;
        }

        var map = await NextFieldAsync(reader, "map", options.MaxMapBytes, cancellationToken);
        if (map.Problem is not null)
        {
            return map.Problem;
        }

        if (operations.Json!.Value.ValueKind != JsonValueKind.Object)
        {
            return Bad("'operations' must be one operation (a JSON object); batches are not served.");
        }

        var (parsed, problem) = requests.ReadObject(operations.Json.Value);
        if (parsed is null)
        {
            return Bad(problem!);
        }

        if (map.Json!.Value.ValueKind != JsonValueKind.Object)
        {
            return Bad("'map' must be a JSON object of file part names to lists of variable paths.");
        }

        var paths = new Dictionary<string, List<string[]>>(StringComparer.Ordinal);
        foreach (var entry in map.Json.Value.EnumerateObject())
        {
            if (paths.Count == options.MaxFilesPerRequest)
            {
                return new Outcome(null, StatusCodes.Status413PayloadTooLarge, ErrorCodes.LimitExceeded,
                    $"'map' names more than {options.MaxFilesPerRequest} files (Uploads:MaxFilesPerRequest).");
            }

            if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.GetArrayLength() is 0 or > MaxPathsPerFile
                || entry.Value.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String || !(p.GetString()!).StartsWith("variables.", StringComparison.Ordinal)))
            {
                return Bad($"'map.{entry.Name}' must list 1 to {MaxPathsPerFile} paths, each starting 'variables.'.");
            }

            paths[entry.Name] = [.. entry.Value.EnumerateArray().Select(p => p.GetString()!.Split('.')[1..])];
        }

        var variables = parsed.Variables is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(parsed.Variables);
        var received = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            var disposition = section.GetContentDispositionHeader();
            var name = HeaderUtilities.RemoveQuotes(disposition?.Name ?? default).Value;
            if (name is null || !paths.TryGetValue(name, out var targets) || !received.Add(name))
            {
                return Bad($"The part '{name}' is not a file that 'map' names (or comes twice).");
            }

            var fileName = HeaderUtilities.RemoveQuotes(disposition!.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            var file = await store.SaveAsync(section.Body, declaredLength: null, fileName, section.ContentType, cancellationToken);
            stored.Add(file.Id);
            foreach (var target in targets)
            {
                if (!Place(variables, target, new UploadReference(file)))
                {
                    return Bad($"'map.{name}' names the path 'variables.{string.Join('.', target)}', which the variables do not hold (give it null).");
                }
            }
        }

        if (received.Count != paths.Count)
        {
            return Bad($"'map' names the file parts {string.Join(", ", paths.Keys.Except(received).Select(k => $"'{k}'"))}, which the body does not have.");
        }

        return new Outcome(parsed with { Variables = new Inputs(variables) }, 200, null, null);
    }

    /// <summary>Puts <paramref name="value"/> where <paramref name="path"/> points in the variables (a key, then keys or list positions), where the client left a null.</summary>
    private static bool Place(IDictionary<string, object?> variables, string[] path, object value)
    {
        object? container = variables;
        for (var i = 0; i < path.Length; i++)
        {
            var last = i == path.Length - 1;
            switch (container)
            {
                case IDictionary<string, object?> map when map.ContainsKey(path[i]):
                    if (last)
                    {
                        map[path[i]] = value;
                        return true;
                    }

                    container = map[path[i]];
                    break;
                case IList<object?> list when int.TryParse(path[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < list.Count:
                    if (last)
                    {
                        list[index] = value;
                        return true;
                    }

                    container = list[index];
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private sealed record Field(JsonElement? Json, Outcome? Problem);

    /// <summary>The next part, which must be the field <paramref name="name"/> holding JSON of at most <paramref name="maxBytes"/>.</summary>
    private static async Task<Field> NextFieldAsync(MultipartReader reader, string name, long maxBytes, CancellationToken cancellationToken)
    {
        var section = await reader.ReadNextSectionAsync(cancellationToken);
        var disposition = section?.GetContentDispositionHeader();
        if (section is null || disposition is null || HeaderUtilities.RemoveQuotes(disposition.Name).Value != name)
        {
            return new Field(null, Bad($"The multipart request's parts must be 'operations', 'map', then the files; '{name}' is missing or out of order."));
        }

        using var buffer = new CappedBuffer((int)Math.Min(maxBytes, int.MaxValue));
        try
        {
            await section.Body.CopyToAsync(buffer, cancellationToken);
        }
        catch (CappedBuffer.FullException)
        {
            return new Field(null, new Outcome(null, StatusCodes.Status413PayloadTooLarge, ErrorCodes.LimitExceeded, $"The part '{name}' is larger than {maxBytes} bytes."));
        }

        try
        {
            using var json = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 64 });
            return new Field(json.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return new Field(null, Bad($"The part '{name}' is not valid JSON: {ex.Message}"));
        }
    }

    private static Outcome Bad(string problem) => new(null, StatusCodes.Status400BadRequest, "BAD_REQUEST", problem);

    private static Outcome TooLarge(string problem) => new(null, StatusCodes.Status413PayloadTooLarge, ErrorCodes.LimitExceeded, problem);
}
