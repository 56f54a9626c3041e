using System.Globalization;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Uploads;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Crm.Host.Uploads;

/// <summary>
/// <c>POST /uploads</c>: stores the body as a file of the caller's (a raw body, named by
/// <c>?fileName=</c>, or the first file part of a multipart/form-data body) and answers
/// <c>201 { id, fileName, contentType, length, expiresAt }</c>. Anonymous callers get 401; a body
/// whose declared length passes the limit is refused 413 before it is read, one that passes it
/// while it arrives as soon as it does.
/// </summary>
internal static class UploadEndpoint
{
    /// <summary>What multipart framing may add to a file's bytes (boundaries, part headers, small fields).</summary>
    public const long MultipartOverhead = 64 * 1024;

    /// <summary>The most parts a multipart upload may have before its file.</summary>
    private const int MaxPartsBeforeFile = 10;

    public static void MapUploads(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/uploads", async (HttpContext http, UploadStore store, IOptions<UploadOptions> options) =>
        {
            if (!http.RequestServices.GetRequiredService<ICurrentActor>().IsAuthenticated)
            {
                return Results.Problem("Uploading needs 'Authorization: Bearer'.", statusCode: StatusCodes.Status401Unauthorized);
            }

            var limit = options.Value.MaxFileBytes;
            if (http.Request.ContentLength > limit + MultipartOverhead)
            {
                return TooLarge(limit);
            }

            AllowBody(http, limit + MultipartOverhead);
            try
            {
                var stored = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
                    ? await SaveMultipartAsync(http, store, type)
                    : await store.SaveAsync(http.Request.Body, http.Request.ContentLength, http.Request.Query["fileName"].ToString(), http.Request.ContentType, http.RequestAborted);
                return stored is null
                    ? Results.Problem("The multipart body has no file part (a part with a 'filename').", statusCode: StatusCodes.Status400BadRequest)
                    : Results.Json(Answer(stored), statusCode: StatusCodes.Status201Created);
            }
            catch (UploadTooLargeException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            catch (InvalidDataException ex)
            {
                return Results.Problem($"The multipart body is malformed: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
            }
        });

    public static object Answer(UploadedFile file) => new
    {
        id = file.Id.ToString(CultureInfo.InvariantCulture),
        fileName = file.FileName,
        contentType = file.ContentType,
        length = file.Length,
        expiresAt = file.ExpiresAt,
    };

    /// <summary>Lifts the server's own body limit (Kestrel's 30 MB) to what this request may send; the store counts the file's bytes itself.</summary>
    public static void AllowBody(HttpContext http, long bytes)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = bytes;
        }
    }

    private static IResult TooLarge(long limit) =>
        Results.Problem($"The file is larger than {limit.ToString(CultureInfo.InvariantCulture)} bytes (Uploads:MaxFileBytes).", statusCode: StatusCodes.Status413PayloadTooLarge);

    private static async Task<UploadedFile?> SaveMultipartAsync(HttpContext http, UploadStore store, MediaTypeHeaderValue type)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw new InvalidDataException("it names no boundary.");
        }

        var reader = new MultipartReader(boundary, http.Request.Body) { HeadersLengthLimit = 16 * 1024 };
        for (var part = 0; part < MaxPartsBeforeFile; part++)
        {
            if (await reader.ReadNextSectionAsync(http.RequestAborted) is not { } section)
            {
                return null;
            }

            if (section.GetContentDispositionHeader() is { } disposition && disposition.IsFileDisposition())
            {
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                return await store.SaveAsync(section.Body, declaredLength: null, name, section.ContentType, http.RequestAborted);
            }
        }

        throw new InvalidDataException($"no file among its first {MaxPartsBeforeFile} parts.");
    }
}
