using System.Globalization;
using System.Net;
using Crm.Host.GraphQL;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// Parsed and validated documents are kept, bounded by GraphQL:DocumentCacheSize, and a kept one
/// still meets every check that depends on the request or on the schema of the moment.
/// </summary>
public abstract class DocumentCacheTests(ConfiguredHostFixture fixture)
{
    public const int CacheSize = 2_000;

    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["GraphQL:DocumentCacheSize"] = CacheSize.ToString(CultureInfo.InvariantCulture),
        ["Limits:MaxPageSize"] = "5",
        ["Limits:DefaultPageSize"] = "3",
    };

    private CrmHost Host => fixture.Host;

    private DocumentCache Documents => Host.Services.GetRequiredService<DocumentCache>();

    private SchemaProvider Schemas => Host.Services.GetRequiredService<SchemaProvider>();

    [Fact]
    public async Task A_document_is_kept_after_it_passed_and_served_from_the_cache_for_the_current_schema()
    {
        var query = "{ companies(first: 2) { nodes { id title } } } # kept";
        Assert.Null(Documents.Find(query, null));

        (await Host.QueryAsync(query)).ShouldSucceed();
        Assert.True(Documents.Find(query, null)?.IsValidFor(Schemas.Current), "A document that ran is kept as valid for the schema it ran on.");
        (await Host.QueryAsync(query)).ShouldSucceed();

        var invalid = "{ companies(first: 2) { nodes { noSuchField } } } # refused";
        Assert.Equal("VALIDATION", (await Host.QueryAsync(invalid)).ErrorCodes.Single());
        Assert.Null(Documents.Find(invalid, null));
    }

    [Fact]
    public async Task Ten_times_the_limit_of_distinct_documents_leave_the_cache_within_its_limit()
    {
        var written = 0;
        for (var i = 0; written < 10 * CacheSize; i++)
        {
            var query = $"{{ companies(first: 1) {{ nodes {{ id }} }} }} # distinct document {i,6}";
            written += query.Length;
            (await Host.QueryAsync(query)).ShouldSucceed();
            Assert.True(Documents.Size <= CacheSize, $"After {i + 1} documents the cache holds {Documents.Size} characters, more than {CacheSize}.");
            // A full cache makes room for what just ran rather than refusing it.
            Assert.NotNull(Documents.Find(query, null));
        }

        Assert.InRange(Documents.Count, 1, CacheSize / 40);
    }

    [Fact]
    public async Task A_kept_document_is_still_held_to_the_limits_that_depend_on_its_variables()
    {
        const string query = "query($n: Int) { companies(first: $n) { nodes { id } } } # variables";
        (await Host.QueryAsync(query, new { n = 2 })).ShouldSucceed();
        Assert.NotNull(Documents.Find(query, null));

        var tooMany = await Host.QueryAsync(query, new { n = 6 });

        Assert.Equal("LIMIT_EXCEEDED", tooMany.ErrorCodes.Single());
        Assert.Equal(0, tooMany.Statements);
    }

    [Fact]
    public async Task A_kept_document_is_still_refused_to_a_caller_without_a_key()
    {
        const string query = "{ companies(first: 1) { nodes { id } } } # anonymous";
        (await Host.QueryAsync(query)).ShouldSucceed();

        var anonymous = await Host.QueryAsync(query, apiKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
    }

    [Fact]
    public async Task A_kept_document_is_validated_again_against_a_swapped_schema()
    {
        var code = CustomFieldHelpers.NewCode("CACHED");
        var name = CustomFieldHelpers.FieldName(code);
        var field = await Host.CreateFieldAsync(new { entityType = "COMPANY", code, type = "STRING", label = "Cached" });
        var query = $"{{ companies(first: 1) {{ nodes {{ id {name} }} }} }}";
        (await Host.QueryAsync(query)).ShouldSucceed();
        Assert.NotNull(Documents.Find(query, null));

        await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        var gone = await Host.QueryAsync(query);

        Assert.Equal("VALIDATION", gone.ErrorCodes.Single());
    }
}

public sealed class DocumentCacheSqliteHost() : ConfiguredHostFixture(Engine.Sqlite, DocumentCacheTests.Settings);

public sealed class DocumentCachePostgresHost() : ConfiguredHostFixture(Engine.Postgres, DocumentCacheTests.Settings);

[Trait("Engine", "Sqlite")]
public sealed class DocumentCacheOnSqlite(DocumentCacheSqliteHost fixture) : DocumentCacheTests(fixture), IClassFixture<DocumentCacheSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class DocumentCacheOnPostgres(DocumentCachePostgresHost fixture) : DocumentCacheTests(fixture), IClassFixture<DocumentCachePostgresHost>;
