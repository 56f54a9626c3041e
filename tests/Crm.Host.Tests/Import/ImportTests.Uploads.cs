using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Import;

/// <summary>
/// Uploads: POST /uploads (raw and multipart) and the GraphQL multipart request convention; a file
/// is its owner's alone; bodies over the limit refused (ten times it, declared or not); the
/// multipart parts bounded; expired files swept.
/// </summary>
public abstract partial class ImportTests
{
    private const string Preview = "query($f: ID!) { previewImport(entityType: CONTACT, fileId: $f) { fileName headers errors { code } } }";

    private async Task<JsonNode> PreviewOfUploadAsync(string fileId, string? apiKey = CrmHost.AdminKey) =>
        (await Host.QueryAsync(Preview, new { f = fileId }, apiKey)).ShouldSucceed().Data!["previewImport"]!;

    private int StoredFiles() => Directory.Exists(Path.Combine(Fixture.FilesPath, "uploads")) ? Directory.GetFiles(Path.Combine(Fixture.FilesPath, "uploads")).Length : 0;

    [Fact]
    public async Task A_raw_upload_is_its_owners_alone()
    {
        using var response = await Host.PostUploadAsync(ImportFiles.Utf8("Imię,Nazwisko\nAnna,Nowak\n"), "osoby.csv");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(("osoby.csv", 26L), (answer["fileName"]!.GetValue<string>(), answer["length"]!.GetValue<long>()));
        var id = answer["id"]!.GetValue<string>();

        Assert.Equal(["Imię", "Nazwisko"], (await PreviewOfUploadAsync(id))["headers"]!.AsArray().Select(h => h!.GetValue<string>()));
        // Another importer of contacts: the file is not theirs.
        var role = await Host.CreateRoleAsync("importer", [new { entityType = "CONTACT", action = "IMPORT", level = "ALL" }]);
        var (someoneId, _, someoneElse) = await Host.NewUserWithKeyAsync("uploader");
        (await Host.AssignAsync(role, userId: someoneId)).Ok();
        Assert.Equal("NOT_FOUND", (await PreviewOfUploadAsync(id, someoneElse))["errors"]![0]!["code"]!.GetValue<string>());

        using var anonymous = await Host.PostUploadAsync([1, 2, 3], "x.csv", apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_multipart_form_upload_stores_its_file_part()
    {
        using var client = Host.CreateClient(CrmHost.AdminKey);
        using var form = new MultipartFormDataContent { { new StringContent("a note"), "note" }, { new ByteArrayContent(ImportFiles.Utf8("Email\na@example.com\n")), "file", "list.csv" } };
        using var response = await client.PostAsync(new Uri("/uploads", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        Assert.Equal("list.csv", (await PreviewOfUploadAsync(id))["fileName"]!.GetValue<string>());
    }

    /// <summary>Operations, map, then the file: as Apollo's upload link and urql send them.</summary>
    private static MultipartFormDataContent GraphQLMultipart(string operations, string map, params (string Name, byte[] Content, string FileName)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(operations, Encoding.UTF8), "operations" }, { new StringContent(map, Encoding.UTF8), "map" } };
        foreach (var (name, content, fileName) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            form.Add(part, name, fileName);
        }

        return form;
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostGraphQLAsync(HttpContent content, string? apiKey = CrmHost.AdminKey)
    {
        using var client = Host.CreateClient(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = content };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private const string UploadFile = "{\"query\":\"mutation($file: Upload!) { uploadFile(file: $file) { id fileName length } }\",\"variables\":{\"file\":null}}";

    [Fact]
    public async Task The_GraphQL_multipart_request_uploads_a_file()
    {
        using var form = GraphQLMultipart(UploadFile, "{\"0\":[\"variables.file\"]}", ("0", ImportFiles.Utf8("Email\nb@example.com\n"), "graphql.csv"));
        var (status, body) = await PostGraphQLAsync(form);

        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        var file = body["data"]!["uploadFile"]!;
        Assert.Equal(("graphql.csv", 20L), (file["fileName"]!.GetValue<string>(), file["length"]!.GetValue<long>()));
        Assert.Equal(["Email"], (await PreviewOfUploadAsync(file["id"]!.GetValue<string>()))["headers"]!.AsArray().Select(h => h!.GetValue<string>()));

        // An Upload comes only from a file part: a literal or a plain variable is refused.
        var literal = await Host.QueryAsync("mutation { uploadFile(file: \"1\") { id } }");
        Assert.NotEmpty(literal.Errors);
        var (anonymousStatus, _) = await PostGraphQLAsync(GraphQLMultipart(UploadFile, "{\"0\":[\"variables.file\"]}", ("0", [1], "x.csv")), apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousStatus);
    }

    [Fact]
    public async Task Bodies_ten_times_the_limit_are_refused_and_nothing_is_kept()
    {
        var tooLarge = new byte[ImportHost.MaxFileBytes * 10];
        Array.Fill(tooLarge, (byte)'x');
        var before = StoredFiles();

        using (var declared = await Host.PostUploadAsync(tooLarge, "big.csv"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        }

        // Without a declared length (chunked): refused as soon as the bytes pass the limit.
        using (var client = Host.CreateClient(CrmHost.AdminKey))
        using (var chunked = new StreamContent(new NoLengthStream(tooLarge)))
        using (var response = await client.PostAsync(new Uri("/uploads?fileName=big.csv", UriKind.Relative), chunked))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        var (status, body) = await PostGraphQLAsync(GraphQLMultipart(UploadFile, "{\"0\":[\"variables.file\"]}", ("0", tooLarge, "big.csv")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("LIMIT_EXCEEDED", body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());

        // A map naming ten times the files a request may carry.
        var map = "{" + string.Join(",", Enumerable.Range(0, 20).Select(i => $"\"{i}\":[\"variables.file\"]")) + "}";
        var (mapStatus, mapBody) = await PostGraphQLAsync(GraphQLMultipart(UploadFile, map, ("0", [1], "x.csv")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, mapStatus);
        Assert.Equal("LIMIT_EXCEEDED", mapBody["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());

        // A small file and then one too large, within what the whole body may declare (so that the
        // first is read and stored): the request is refused and keeps neither.
        var (secondStatus, _) = await PostGraphQLAsync(GraphQLMultipart(UploadFile, "{\"0\":[\"variables.file\"],\"1\":[\"variables.file\"]}",
            ("0", ImportFiles.Utf8("Email\nc@example.com\n"), "small.csv"), ("1", tooLarge[..(int)(ImportHost.MaxFileBytes * 2)], "big.csv")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, secondStatus);

        Assert.Equal(before, StoredFiles());
    }

    [Fact]
    public async Task Expired_uploads_are_swept()
    {
        var id = await Host.UploadAsync(ImportFiles.Utf8("Email\nc@example.com\n"));
        var before = StoredFiles();
        using (var scope = Host.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>();
            await db.Uploads.Where(u => u.Id == long.Parse(id, System.Globalization.CultureInfo.InvariantCulture))
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        }

        // Expired: no longer found, even before the sweep.
        Assert.Equal("NOT_FOUND", (await PreviewOfUploadAsync(id))["errors"]![0]!["code"]!.GetValue<string>());
        await Host.Services.GetRequiredService<UploadSweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(before - 1, StoredFiles());
    }

    /// <summary>A stream that does not tell its length, so that the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
