using System.Text.Json;
using Crm.PluginSdk.Records;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.Data;

/// <summary>
/// SQL functions the query engine uses where LINQ cannot reach into a JSON column. PostgreSQL
/// has them from the platform's migrations (schema <c>platform</c>); SQLite gets them from
/// <see cref="Register"/> on every connection the platform opens.
/// </summary>
internal static class CrmDbFunctions
{
    public const string PointsMatchName = "crm_points_match";

    /// <summary>
    /// Whether any of a record's phones (e-mails, webs, messengers) has the given kind (when not
    /// null) and a value that is <paramref name="op"/> (eq, contains, startsWith, endsWith; case
    /// ignored but for eq) <paramref name="term"/> (when not null).
    /// </summary>
    [DbFunction(PointsMatchName)]
    public static bool PointsMatch(List<ContactPoint> points, string op, string? term, string? valueType) =>
        throw new InvalidOperationException("Runs in the database only.");

    /// <summary>The folded form text sorts by (see <see cref="TextOrder"/>).</summary>
    [DbFunction(TextOrder.FoldName)]
    public static string? Fold(string? text) => throw new InvalidOperationException("Runs in the database only.");

    /// <summary>Lower case, for case-insensitive matching on SQLite (see <see cref="TextOrder"/>).</summary>
    [DbFunction(TextOrder.LowerName)]
    public static string? Lower(string? text) => throw new InvalidOperationException("Runs in the database only.");

    public static void Map(ModelBuilder modelBuilder, bool isPostgres)
    {
        var function = modelBuilder.HasDbFunction(typeof(CrmDbFunctions).GetMethod(nameof(PointsMatch))!).HasName(PointsMatchName);
        function.HasSchema(isPostgres ? "platform" : null);
        function.HasParameter("points").HasStoreType(isPostgres ? "jsonb" : "TEXT");
        modelBuilder.HasDbFunction(typeof(CrmDbFunctions).GetMethod(nameof(Fold))!).HasName(TextOrder.FoldName).HasSchema(isPostgres ? "platform" : null);
        if (!isPostgres)
        {
            // PostgreSQL's ILIKE lower-cases by itself.
            modelBuilder.HasDbFunction(typeof(CrmDbFunctions).GetMethod(nameof(Lower))!).HasName(TextOrder.LowerName);
        }
    }

    public static void Register(SqliteConnection connection)
    {
        TextOrder.Register(connection);
        RegisterPointsMatch(connection);
    }

    private static void RegisterPointsMatch(SqliteConnection connection) =>
        connection.CreateFunction<string?, string?, string?, string?, bool>(PointsMatchName, (json, op, term, valueType) =>
        {
            if (string.IsNullOrEmpty(json))
            {
                return false;
            }

            foreach (var point in JsonSerializer.Deserialize<List<ContactPoint>>(json, StorageJson.Options) ?? [])
            {
                if (valueType is not null && point.ValueType != valueType)
                {
                    continue;
                }

                if (term is null || Matches(point.Value, op, term))
                {
                    return true;
                }
            }

            return false;
        }, isDeterministic: true);

    public static bool Matches(string value, string? op, string term) => op switch
    {
        "eq" => value == term,
        "contains" => value.Contains(term, StringComparison.OrdinalIgnoreCase),
        "startsWith" => value.StartsWith(term, StringComparison.OrdinalIgnoreCase),
        "endsWith" => value.EndsWith(term, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>The PostgreSQL definition, for the platform's migration.</summary>
    public const string PostgresDefinition = """
        CREATE OR REPLACE FUNCTION platform.crm_points_match(points jsonb, op text, term text, value_type text)
        RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT EXISTS (
            SELECT 1 FROM jsonb_array_elements(points) AS p
            WHERE (value_type IS NULL OR p->>'valueType' = value_type)
              AND (term IS NULL OR CASE op
                    WHEN 'eq' THEN p->>'value' = term
                    WHEN 'contains' THEN strpos(lower(p->>'value'), lower(term)) > 0
                    WHEN 'startsWith' THEN left(lower(p->>'value'), length(term)) = lower(term)
                    WHEN 'endsWith' THEN right(lower(p->>'value'), length(term)) = lower(term)
                    ELSE false END))
        $$;
        """;
}
