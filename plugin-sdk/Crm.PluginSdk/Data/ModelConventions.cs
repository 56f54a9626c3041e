using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Crm.PluginSdk.Data;

/// <summary>
/// The naming and storage rules all module models share, applied after the module configured
/// its own: snake_case tables and columns, one PostgreSQL schema per module (or a table prefix
/// on SQLite), and JSON-valued properties as <c>jsonb</c> on PostgreSQL and text on SQLite.
/// </summary>
public static class ModelConventions
{
    private const string JsonAnnotation = "Crm:Json";

    /// <summary>Decimal places every decimal keeps (money, quantities): the same on both engines.</summary>
    public const int DecimalScale = 4;

    /// <summary>The largest decimal magnitude stored: what a 64-bit integer holds at <see cref="DecimalScale"/>.</summary>
    public const decimal MaxDecimal = 900_000_000_000_000m;

    private const decimal DecimalFactor = 10_000m;

    // SQLite has no decimal type, and EF cannot compare or sort decimals kept as text there:
    // keep them as integers of ten-thousandths, exact and in order.
    private static readonly ValueConverter<decimal, long> ScaledDecimalConverter =
        new(v => (long)decimal.Round(v * DecimalFactor, MidpointRounding.ToEven), v => v / DecimalFactor);

    private static readonly ValueConverter<decimal?, long?> NullableScaledDecimalConverter =
        new(v => v.HasValue ? (long)decimal.Round(v.Value * DecimalFactor, MidpointRounding.ToEven) : null, v => v.HasValue ? v.Value / DecimalFactor : null);

    private static readonly ValueConverter<DateTime, DateTime> UtcConverter =
        new(v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v, v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private static readonly ValueConverter<DateTime?, DateTime?> NullableUtcConverter =
        new(v => v.HasValue && v.Value.Kind == DateTimeKind.Local ? v.Value.ToUniversalTime() : v, v => v.HasValue ? DateTime.SpecifyKind(v.Value, DateTimeKind.Utc) : v);

    public static void Apply(ModelBuilder modelBuilder, string schema, bool isPostgres)
    {
        if (isPostgres)
        {
            modelBuilder.HasDefaultSchema(schema);
        }

        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => typeof(Records.ISearchableRecord).IsAssignableFrom(e.ClrType)).ToList())
        {
            var content = entity.AddProperty(Records.SearchText.Column, typeof(string));
            content.IsNullable = true;
            content.SetMaxLength(Records.SearchText.MaxLength);
            var index = entity.AddIndex(content);
            if (isPostgres)
            {
                // Substring search (LIKE '%x%') needs trigrams to use an index.
                modelBuilder.HasPostgresExtension("pg_trgm");
                index.SetAnnotation("Npgsql:IndexMethod", "gin");
                index.SetAnnotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
            }

            // The titles of linked records (see EntityBuilder.SearchIncludes), searched beside the content.
            var links = entity.AddProperty(Records.SearchText.LinksColumn, typeof(string));
            links.IsNullable = true;
            links.SetMaxLength(Records.SearchText.MaxLength);
            if (isPostgres)
            {
                var linksIndex = entity.AddIndex(links);
                linksIndex.SetAnnotation("Npgsql:IndexMethod", "gin");
                linksIndex.SetAnnotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
            }
        }

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            if (entity.IsOwned() && entity.GetTableName() == entity.FindOwnership()?.PrincipalEntityType.GetTableName())
            {
                continue;
            }

            var table = ToSnakeCase(entity.GetTableName() ?? entity.ClrType.Name);
            entity.SetTableName(isPostgres ? table : $"{schema}_{table}");

            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.GetColumnName()));
                if (isPostgres && property.FindAnnotation(JsonAnnotation) is not null)
                {
                    property.SetColumnType("jsonb");
                }

                if (property.ClrType == typeof(CustomFields.CustomFieldValues))
                {
                    property.SetColumnName(CustomFields.CustomFieldSql.Column);
                    property.SetColumnType(isPostgres ? "jsonb" : "TEXT");
                    property.IsNullable = false;
                    property.SetDefaultValueSql("'{}'");
                }

                if (property.ClrType == typeof(decimal) || property.ClrType == typeof(decimal?))
                {
                    if (isPostgres)
                    {
                        property.SetPrecision(18);
                        property.SetScale(DecimalScale);
                    }
                    else if (property.GetValueConverter() is null)
                    {
                        property.SetValueConverter(property.ClrType == typeof(decimal) ? ScaledDecimalConverter : NullableScaledDecimalConverter);
                    }
                }

                // SQLite keeps no zone: times are stored as UTC text and must come back as UTC.
                if (!isPostgres && property.GetValueConverter() is null)
                {
                    if (property.ClrType == typeof(DateTime))
                    {
                        property.SetValueConverter(UtcConverter);
                    }
                    else if (property.ClrType == typeof(DateTime?))
                    {
                        property.SetValueConverter(NullableUtcConverter);
                    }
                }
            }

            foreach (var key in entity.GetKeys())
            {
                key.SetName(ToSnakeCase(key.GetName() ?? ""));
            }

            foreach (var foreignKey in entity.GetForeignKeys())
            {
                foreignKey.SetConstraintName(ToSnakeCase(foreignKey.GetConstraintName() ?? ""));
            }

            foreach (var index in entity.GetIndexes())
            {
                var name = ToSnakeCase(index.GetDatabaseName() ?? "");
                index.SetDatabaseName(isPostgres ? name : $"{schema}_{name}");
            }
        }
    }

    /// <summary>
    /// Stores a value object or a list of them as one JSON document: a single column to read, and
    /// a single "updated" change in the domain event when any part of it changes.
    /// </summary>
    public static PropertyBuilder<T> StoredAsJson<T>(this PropertyBuilder<T> property)
        where T : class?
    {
        var converter = new ValueConverter<T, string>(
            value => JsonSerializer.Serialize(value, StorageJson.Options),
            json => JsonSerializer.Deserialize<T>(json, StorageJson.Options)!);
        var comparer = new ValueComparer<T>(
            (a, b) => JsonSerializer.Serialize(a, StorageJson.Options) == JsonSerializer.Serialize(b, StorageJson.Options),
            value => JsonSerializer.Serialize(value, StorageJson.Options).GetHashCode(StringComparison.Ordinal),
            value => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, StorageJson.Options), StorageJson.Options)!);
        property.HasConversion(converter, comparer);
        property.HasAnnotation(JsonAnnotation, true);
        return property;
    }

    public static string ToSnakeCase(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]) && i > 0 && char.IsUpper(name[i - 1]);
                if (previousIsLowerOrDigit || nextIsLower)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}

/// <summary>The JSON shape of values stored in JSON columns: camelCase, nulls left out.</summary>
public static class StorageJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
