using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Crm.PluginSdk.CustomFields;

/// <summary>
/// The SQL a custom field is filtered and sorted by. One key expression per field, the same in
/// queries and in the field's index, so that PostgreSQL uses the index: IMMUTABLE functions in
/// the platform schema there, with the field code as a literal; SQLite's own
/// <c>json_extract</c>, which it can index too.
/// </summary>
internal static class CustomFieldSql
{
    public const string Column = "custom_fields";

    [DbFunction] public static string? PgText(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static long? PgLong(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static double? PgNumber(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static double? PgMoney(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static bool? PgBool(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static string? PgAddress(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    [DbFunction] public static string? JsonText(CustomFieldValues doc, string path) => throw OnlyInDatabase();

    [DbFunction] public static long? JsonLong(CustomFieldValues doc, string path) => throw OnlyInDatabase();

    [DbFunction] public static double? JsonNumber(CustomFieldValues doc, string path) => throw OnlyInDatabase();

    [DbFunction] public static bool? JsonBool(CustomFieldValues doc, string path) => throw OnlyInDatabase();

    [DbFunction] public static string? SqliteAddress(CustomFieldValues doc, string code) => throw OnlyInDatabase();

    /// <summary>
    /// Whether any value of a multiple field relates to <paramref name="term"/> (JSON) by
    /// <paramref name="op"/>: eq, in (term is a list), gt, gte, lt, lte, contains, startsWith,
    /// endsWith, or exists (the field has a value).
    /// </summary>
    [DbFunction] public static bool AnyValue(CustomFieldValues doc, string code, string op, string? term) => throw OnlyInDatabase();

    /// <summary>
    /// Whether a multiple field's list contains <paramref name="values"/> (a JSON list): on
    /// PostgreSQL <c>(doc -&gt; code) @&gt; values</c>, once inlined, which the field's GIN index serves.
    /// </summary>
    [DbFunction] public static bool ContainsValues(CustomFieldValues doc, string code, string values) => throw OnlyInDatabase();

    private static InvalidOperationException OnlyInDatabase() => new("Runs in the database only.");

    private static readonly (string Method, string PgName, string SqliteName)[] Functions =
    [
        (nameof(PgText), "crm_uf_text", ""),
        (nameof(PgLong), "crm_uf_long", ""),
        (nameof(PgNumber), "crm_uf_number", ""),
        (nameof(PgMoney), "crm_uf_money", ""),
        (nameof(PgBool), "crm_uf_bool", ""),
        (nameof(PgAddress), "crm_uf_address", ""),
        (nameof(JsonText), "", "json_extract"),
        (nameof(JsonLong), "", "json_extract"),
        (nameof(JsonNumber), "", "json_extract"),
        (nameof(JsonBool), "", "json_extract"),
        (nameof(SqliteAddress), "", "crm_uf_address"),
        (nameof(AnyValue), "crm_uf_any", "crm_uf_any"),
        (nameof(ContainsValues), "crm_uf_contains", "crm_uf_contains"),
    ];

    public static void Map(ModelBuilder modelBuilder, bool isPostgres)
    {
        foreach (var (method, pgName, sqliteName) in Functions)
        {
            var name = isPostgres ? pgName : sqliteName;
            if (name.Length == 0)
            {
                continue;
            }

            var function = modelBuilder.HasDbFunction(typeof(CustomFieldSql).GetMethod(method)!).HasName(name);
            function.HasSchema(isPostgres ? "platform" : null);
            function.HasParameter("doc").HasStoreType(isPostgres ? "jsonb" : "TEXT");
        }
    }

    /// <summary>
    /// <c>doc =&gt; key</c>: the expression a single-valued field filters and sorts by, typed as
    /// <see cref="KeyType"/> says. The code is a constant, so that the SQL names it literally.
    /// </summary>
    public static Expression KeyExpression(CustomFieldSpec spec, Expression doc, bool isPostgres)
    {
        var (method, argument) = KeyFunction(spec, isPostgres);
        return Expression.Call(typeof(CustomFieldSql).GetMethod(method)!, doc, Expression.Constant(argument));
    }

    /// <summary>The mapped function a field's key is read with, and its second argument (the code, or a JSON path on SQLite).</summary>
    private static (string Method, string Argument) KeyFunction(CustomFieldSpec spec, bool isPostgres) => (spec.Type, isPostgres) switch
    {
        (CustomFieldType.Integer or CustomFieldType.Enumeration or CustomFieldType.Employee, true) => (nameof(PgLong), spec.Code),
        (CustomFieldType.Number, true) => (nameof(PgNumber), spec.Code),
        (CustomFieldType.Money, true) => (nameof(PgMoney), spec.Code),
        (CustomFieldType.Boolean, true) => (nameof(PgBool), spec.Code),
        (CustomFieldType.Address, true) => (nameof(PgAddress), spec.Code),
        (_, true) => (nameof(PgText), spec.Code),
        (CustomFieldType.Integer or CustomFieldType.Enumeration or CustomFieldType.Employee, false) => (nameof(JsonLong), JsonPath(spec.Code)),
        (CustomFieldType.Number, false) => (nameof(JsonNumber), JsonPath(spec.Code)),
        (CustomFieldType.Money, false) => (nameof(JsonNumber), JsonPath(spec.Code) + ".amount"),
        (CustomFieldType.Boolean, false) => (nameof(JsonBool), JsonPath(spec.Code)),
        (CustomFieldType.Address, false) => (nameof(SqliteAddress), spec.Code),
        (_, false) => (nameof(JsonText), JsonPath(spec.Code)),
    };

    /// <summary>The CLR type of a single-valued field's key: long, double, bool or string.</summary>
    public static Type KeyType(CustomFieldType type) => type switch
    {
        CustomFieldType.Integer or CustomFieldType.Enumeration or CustomFieldType.Employee => typeof(long),
        CustomFieldType.Number or CustomFieldType.Money => typeof(double),
        CustomFieldType.Boolean => typeof(bool),
        _ => typeof(string),
    };

    /// <summary>Whether equality on a multiple field of this type can be a containment test (and use its GIN index).</summary>
    public static bool ContainmentServes(CustomFieldType type) => type != CustomFieldType.Address;

    /// <summary><c>(doc -&gt; code) @&gt; [value]</c>: a money value is matched by its amount (a partial object).</summary>
    public static Expression ContainsCall(Expression doc, CustomFieldSpec spec, object? key)
    {
        JsonNode? element = spec.Type == CustomFieldType.Money
            ? new JsonObject { ["amount"] = JsonValue.Create(Convert.ToDecimal(key, CultureInfo.InvariantCulture)) }
            : JsonSerializer.SerializeToNode(key);
        return Expression.Call(typeof(CustomFieldSql).GetMethod(nameof(ContainsValues))!, doc, Expression.Constant(spec.Code),
            Querying.Parameter.Of(new JsonArray(element).ToJsonString(), typeof(string)));
    }

    public static Expression AnyValueCall(Expression doc, string code, string op, string? termJson) =>
        Expression.Call(typeof(CustomFieldSql).GetMethod(nameof(AnyValue))!, doc, Expression.Constant(code), Expression.Constant(op),
            Querying.Parameter.Of(termJson, typeof(string)));

    private static string JsonPath(string code) => "$." + code;

    /// <summary>The SQL text of a field's key over <paramref name="column"/>, for its index (must match what EF writes for <see cref="KeyExpression"/>).</summary>
    public static string KeySql(CustomFieldSpec spec, string column, bool isPostgres)
    {
        // The same function and argument as KeyExpression, by the names Map gives them in SQL.
        var (method, argument) = KeyFunction(spec, isPostgres);
        var (_, pgName, sqliteName) = Functions.Single(f => f.Method == method);
        return isPostgres ? $"platform.{pgName}({column}, '{argument}')" : $"{sqliteName}({column}, '{argument}')";
    }

    /// <summary>The PostgreSQL definitions, for the platform's migration.</summary>
    public const string PostgresDefinition = """
        CREATE OR REPLACE FUNCTION platform.crm_uf_text(doc jsonb, code text) RETURNS text
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT doc ->> code $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_long(doc jsonb, code text) RETURNS bigint
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (doc ->> code)::bigint $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_number(doc jsonb, code text) RETURNS double precision
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (doc ->> code)::double precision $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_money(doc jsonb, code text) RETURNS double precision
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (doc -> code ->> 'amount')::double precision $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_bool(doc jsonb, code text) RETURNS boolean
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (doc ->> code)::boolean $$;
        CREATE OR REPLACE FUNCTION platform.crm_address_text(a jsonb) RETURNS text
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT NULLIF(btrim(
                 coalesce((a ->> 'address1') || ', ', '') || coalesce((a ->> 'address2') || ', ', '')
              || coalesce((a ->> 'city') || ', ', '') || coalesce((a ->> 'postalCode') || ', ', '')
              || coalesce((a ->> 'region') || ', ', '') || coalesce((a ->> 'province') || ', ', '')
              || coalesce((a ->> 'country') || ', ', '') || coalesce((a ->> 'countryCode') || ', ', ''), ', '), '')
          $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_address(doc jsonb, code text) RETURNS text
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT platform.crm_address_text(doc -> code) $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_contains(doc jsonb, code text, vals text) RETURNS boolean
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT (doc -> code) @> vals::jsonb $$;
        CREATE OR REPLACE FUNCTION platform.crm_uf_any(doc jsonb, code text, op text, term text) RETURNS boolean
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT EXISTS (
              SELECT 1
              FROM (SELECT term::jsonb AS t) AS arg,
                   jsonb_array_elements(CASE WHEN jsonb_typeof(doc -> code) = 'array' THEN doc -> code ELSE '[]'::jsonb END) AS element(e),
                   LATERAL (SELECT CASE
                       WHEN jsonb_typeof(e) = 'object' AND e ? 'amount' THEN e -> 'amount'
                       WHEN jsonb_typeof(e) = 'object' THEN to_jsonb(platform.crm_address_text(e))
                       ELSE e END AS v) AS k
              WHERE CASE op
                WHEN 'exists' THEN true
                WHEN 'eq' THEN k.v = arg.t
                WHEN 'in' THEN arg.t @> jsonb_build_array(k.v)
                WHEN 'gt' THEN k.v > arg.t
                WHEN 'gte' THEN k.v >= arg.t
                WHEN 'lt' THEN k.v < arg.t
                WHEN 'lte' THEN k.v <= arg.t
                WHEN 'contains' THEN strpos(lower(k.v #>> '{}'), lower(arg.t #>> '{}')) > 0
                WHEN 'startsWith' THEN left(lower(k.v #>> '{}'), length(arg.t #>> '{}')) = lower(arg.t #>> '{}')
                WHEN 'endsWith' THEN right(lower(k.v #>> '{}'), length(arg.t #>> '{}')) = lower(arg.t #>> '{}')
                ELSE false END)
          $$;
        """;

    public const string PostgresDrop = """
        DROP FUNCTION IF EXISTS platform.crm_uf_contains(jsonb, text, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_any(jsonb, text, text, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_address(jsonb, text);
        DROP FUNCTION IF EXISTS platform.crm_address_text(jsonb);
        DROP FUNCTION IF EXISTS platform.crm_uf_bool(jsonb, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_money(jsonb, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_number(jsonb, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_long(jsonb, text);
        DROP FUNCTION IF EXISTS platform.crm_uf_text(jsonb, text);
        """;

    /// <summary>SQLite's side of the functions that <c>json_extract</c> does not cover.</summary>
    public static void Register(SqliteConnection connection)
    {
        connection.CreateFunction<string?, string, string?>("crm_uf_address", (json, code) =>
            string.IsNullOrEmpty(json) ? null : CustomFieldBinder.AddressText(JsonNode.Parse(json)?[code]), isDeterministic: true);
        connection.CreateFunction<string?, string, string, bool>("crm_uf_contains", (json, code, values) =>
            !string.IsNullOrEmpty(json) && JsonNode.Parse(values) is JsonArray wanted && JsonNode.Parse(json)?[code] is JsonArray held
            && wanted.All(w => held.Any(h => Contains(h, w))), isDeterministic: true);
        connection.CreateFunction<string?, string, string, string?, bool>("crm_uf_any", (json, code, op, term) =>
            !string.IsNullOrEmpty(json) && AnyValueMatches(JsonNode.Parse(json)?[code], op, term is null ? null : JsonNode.Parse(term)), isDeterministic: true);
    }

    /// <summary>The rule of <c>crm_uf_any</c>, in C# (SQLite runs it; PostgreSQL has the SQL above).</summary>
    public static bool AnyValueMatches(JsonNode? values, string op, JsonNode? term)
    {
        if (values is not JsonArray array)
        {
            return false;
        }

        foreach (var element in array)
        {
            var key = element switch
            {
                JsonObject o when o.ContainsKey("amount") => o["amount"],
                JsonObject o => CustomFieldBinder.AddressText(o) is { } text ? JsonValue.Create(text) : null,
                _ => element,
            };
            if (key is null)
            {
                continue;
            }

            if (op == "exists"
                || (op == "in" && term is JsonArray list && list.Any(t => Compare(key, t) == 0))
                || (op is "eq" or "gt" or "gte" or "lt" or "lte" && term is not null && Compare(key, term) is { } c
                    && op switch { "eq" => c == 0, "gt" => c > 0, "gte" => c >= 0, "lt" => c < 0, _ => c <= 0 })
                || (op is "contains" or "startsWith" or "endsWith" && term is not null && Data.CrmDbFunctions.Matches(Text(key), op, Text(term))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>jsonb's containment for one element: equal scalars (numbers by value), or an object holding the wanted members.</summary>
    private static bool Contains(JsonNode? held, JsonNode? wanted) => (held, wanted) switch
    {
        (JsonObject h, JsonObject w) => w.All(member => Contains(h[member.Key], member.Value)),
        (null, _) or (_, null) => false,
        _ => Compare(held, wanted) == 0,
    };

    private static string Text(JsonNode node) =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();

    private static int? Compare(JsonNode a, JsonNode? b)
    {
        if (b is null)
        {
            return null;
        }

        return (a.GetValueKind(), b.GetValueKind()) switch
        {
            (JsonValueKind.Number, JsonValueKind.Number) => decimal.Parse(a.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                .CompareTo(decimal.Parse(b.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)),
            (JsonValueKind.String, JsonValueKind.String) => string.CompareOrdinal(a.GetValue<string>(), b.GetValue<string>()),
            (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => a.GetValue<bool>().CompareTo(b.GetValue<bool>()),
            _ => null,
        };
    }

    /// <summary>The name of a field's index: per table, code and key kind (a type change that changes the key gets a new index).</summary>
    public static string IndexName(string table, CustomFieldSpec spec)
    {
        var kind = spec.Multiple ? "g" : KeyType(spec.Type).Name.ToLowerInvariant()[..1] + (spec.Type == CustomFieldType.Money ? "m" : spec.Type == CustomFieldType.Address ? "a" : "");
        var name = $"cf_{table}_{spec.Code.ToLowerInvariant()}_{kind}";
        if (name.Length <= 60)
        {
            return name;
        }

        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..8].ToLowerInvariant();
        return name[..50] + "_" + hash;
    }

    public const string IndexPrefix = "cf_";

    internal static MethodInfo Method(string name) => typeof(CustomFieldSql).GetMethod(name)!;
}
