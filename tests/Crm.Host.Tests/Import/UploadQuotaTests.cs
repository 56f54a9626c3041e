using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Import;

/// <summary>A host whose owners may keep a few small uploads, so that the per-owner bounds are reached cheaply.</summary>
public abstract class UploadQuotaHost(Engine engine) : HostFixture(engine)
{
    public const int MaxFilesPerOwner = 5;
    public const int MaxBytesPerOwner = 32 * 1024;

    public string FilesPath { get; } = Directory.CreateTempSubdirectory("crm-test-upload-quota-").FullName;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Uploads:FilesPath"] = FilesPath,
        // Larger than what an owner may keep: the owner's bound is what refuses here.
        ["Uploads:MaxFileBytes"] = (1024 * 1024).ToString(CultureInfo.InvariantCulture),
        ["Uploads:MaxBytesPerOwner"] = MaxBytesPerOwner.ToString(CultureInfo.InvariantCulture),
        ["Uploads:MaxFilesPerOwner"] = MaxFilesPerOwner.ToString(CultureInfo.InvariantCulture),
        // No sweep while a test compares the folder with the rows.
        ["Uploads:SweepInterval"] = "1.00:00:00",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(FilesPath, recursive: true);
        }
        catch (IOException)
        {
            // Left to the OS's temp cleaning.
        }
    }
}

public sealed class UploadQuotaSqliteHost() : UploadQuotaHost(Engine.Sqlite);

public sealed class UploadQuotaPostgresHost() : UploadQuotaHost(Engine.Postgres);

/// <summary>
/// What one owner may keep (Uploads:MaxFilesPerOwner, Uploads:MaxBytesPerOwner): ten times each
/// refused (declared, chunked, through the GraphQL multipart request), parallel uploads of one owner
/// never storing more than the bound, no file left without its row, expired files not counted.
/// </summary>
public abstract class UploadQuotaTests(UploadQuotaHost fixture)
{
    private CrmHost Host => fixture.Host;

    private const string UploadFile = "{\"query\":\"mutation($file: Upload!) { uploadFile(file: $file) { id length } }\",\"variables\":{\"file\":null}}";

    private static byte[] Bytes(int length) => Enumerable.Repeat((byte)'x', length).ToArray();

    [Fact]
    public async Task Ten_times_the_bytes_an_owner_may_keep_are_refused_declared_chunked_and_through_GraphQL()
    {
        var (ownerId, _, key) = await Host.NewUserWithKeyAsync("quota-bytes");
        var tenTimes = Bytes(UploadQuotaHost.MaxBytesPerOwner * 10);

        using (var declared = await Host.PostUploadAsync(tenTimes, "big.csv", key))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Contains("Uploads:MaxBytesPerOwner", await declared.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var client = Host.CreateClient(key))
        using (var chunked = new StreamContent(new NoLengthStream(tenTimes)))
        using (var response = await client.PostAsync(new Uri("/uploads?fileName=big.csv", UriKind.Relative), chunked))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        var (status, body) = await PostGraphQLFileAsync(tenTimes, key);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("LIMIT_EXCEEDED", body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        Assert.Empty(await RowsOfAsync(ownerId));

        // What is left is what a file may still have: 20 KB kept, 20 KB more refused, 12 KB taken.
        await Host.UploadAsync(Bytes(20 * 1024), apiKey: key);
        using (var over = await Host.PostUploadAsync(Bytes(20 * 1024), "more.csv", key))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        }

        await Host.UploadAsync(Bytes(12 * 1024), apiKey: key);
        Assert.Equal([20 * 1024, 12 * 1024], (await RowsOfAsync(ownerId)).Select(r => r.Length));
        await AssertNoFileWithoutRowAsync();
    }

    [Fact]
    public async Task Parallel_uploads_of_one_owner_never_store_more_than_the_bounds()
    {
        // Ten times the files an owner may keep, all at once: exactly the bound is stored.
        var (filesOwnerId, _, filesKey) = await Host.NewUserWithKeyAsync("quota-files");
        var statuses = await Task.WhenAll(Enumerable.Range(0, UploadQuotaHost.MaxFilesPerOwner * 10).Select(async i =>
        {
            using var response = await Host.PostUploadAsync(Bytes(1024), $"f{i}.csv", filesKey);
            return response.StatusCode;
        }));
        Assert.Equal(UploadQuotaHost.MaxFilesPerOwner, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(UploadQuotaHost.MaxFilesPerOwner * 9, statuses.Count(s => s == HttpStatusCode.RequestEntityTooLarge));
        Assert.Equal(UploadQuotaHost.MaxFilesPerOwner, (await RowsOfAsync(filesOwnerId)).Count);

        // Twenty parallel GraphQL uploads of 10 KB: three fit in 32 KB, whatever their order.
        var (bytesOwnerId, _, bytesKey) = await Host.NewUserWithKeyAsync("quota-parallel");
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostGraphQLFileAsync(Bytes(10 * 1024), bytesKey)));
        Assert.Equal(3, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, a.Status);
            Assert.Equal("LIMIT_EXCEEDED", a.Body["errors"]![0]!["extensions"]!["code"]!.GetValue<string>());
        });
        Assert.Equal(3 * 10 * 1024, (await RowsOfAsync(bytesOwnerId)).Sum(r => r.Length));
        await AssertNoFileWithoutRowAsync();

        // Expired files do not count: once the first owner's have expired, they upload again.
        await using (var scope = Host.Services.CreateAsyncScope())
        {
            var owner = long.Parse(filesOwnerId, CultureInfo.InvariantCulture);
            await scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>().Uploads.Where(u => u.OwnerId == owner)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        }

        await Host.UploadAsync(Bytes(1024), apiKey: filesKey);
    }

    private async Task<List<Uploads.UploadRow>> RowsOfAsync(string ownerId)
    {
        var owner = long.Parse(ownerId, CultureInfo.InvariantCulture);
        await using var scope = Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>().Uploads.AsNoTracking()
            .Where(u => u.OwnerId == owner && u.ExpiresAt > DateTime.UtcNow).OrderBy(u => u.Id).ToListAsync();
    }

    /// <summary>Every file in the folder is a row's, and every row's file is there: a refused upload leaves nothing.</summary>
    private async Task AssertNoFileWithoutRowAsync()
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var stored = await scope.ServiceProvider.GetRequiredService<Data.PlatformDbContext>().Uploads.Select(u => u.StoredName).ToListAsync();
        Assert.Equal(stored.Order(StringComparer.Ordinal), Directory.GetFiles(fixture.FilesPath).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostGraphQLFileAsync(byte[] content, string apiKey)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(UploadFile, Encoding.UTF8), "operations" },
            { new StringContent("{\"0\":[\"variables.file\"]}", Encoding.UTF8), "map" },
        };
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(part, "0", "file.csv");
        using var client = Host.CreateClient(apiKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = form };
        request.Headers.Accept.ParseAdd("application/graphql-response+json");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>A stream that does not tell its length, so that the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class UploadQuotaOnSqlite(UploadQuotaSqliteHost fixture) : UploadQuotaTests(fixture), IClassFixture<UploadQuotaSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class UploadQuotaOnPostgres(UploadQuotaPostgresHost fixture) : UploadQuotaTests(fixture), IClassFixture<UploadQuotaPostgresHost>;
