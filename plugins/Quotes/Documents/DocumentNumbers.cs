using System.Globalization;
using Acme.Quotes.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Acme.Quotes.Documents;

/// <summary>The last number given to a kind of document (Q, I) in a year.</summary>
public sealed class DocumentCounter
{
    public string Kind { get; set; } = "";

    public int Year { get; set; }

    public long LastNumber { get; set; }
}

/// <summary>
/// Numbers documents per kind and year (Q-2026-0001) without gaps or duplicates: the counter's row
/// is raised by one upsert inside the transaction that creates the document, so concurrent creates
/// wait for each other on that row, and a create that rolls back gives its number back.
/// </summary>
public static class DocumentNumbers
{
    /// <summary>The longest number: a kind, a year and up to 12 digits.</summary>
    public const int MaxLength = 24;

    public static async Task<string> NextAsync(QuotesDbContext db, string kind, int year, CancellationToken cancellationToken)
    {
        var entity = db.Model.FindEntityType(typeof(DocumentCounter))!;
        var store = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(store)!);
        var table = sql.DelimitIdentifier(store.Name, store.Schema);
        var (kindColumn, yearColumn, last) = (Column(nameof(DocumentCounter.Kind)), Column(nameof(DocumentCounter.Year)), Column(nameof(DocumentCounter.LastNumber)));
        // The names come from the EF model; the values travel as parameters.
#pragma warning disable EF1003
        var next = await db.Database.SqlQueryRaw<long>(
                $"INSERT INTO {table} AS counter ({kindColumn}, {yearColumn}, {last}) VALUES ({{0}}, {{1}}, 1) " +
                $"ON CONFLICT ({kindColumn}, {yearColumn}) DO UPDATE SET {last} = counter.{last} + 1 RETURNING {last} AS \"Value\"",
                kind, year)
            .ToListAsync(cancellationToken);
#pragma warning restore EF1003
        return Format(kind, year, next.Single());
    }

    public static string Format(string kind, int year, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind}-{year:D4}-{number:D4}");
}
