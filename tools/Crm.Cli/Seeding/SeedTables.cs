namespace Crm.Cli.Seeding;

/// <summary>How a seeded column is stored; each engine writer maps it to its own type.</summary>
internal enum ColumnKind
{
    BigInt,
    Int,
    Text,
    Bool,

    /// <summary>A decimal: numeric(18,4) on PostgreSQL, ten-thousandths in an integer on SQLite.</summary>
    Money,
    Date,

    /// <summary>A UTC time: timestamptz on PostgreSQL, EF's text form on SQLite.</summary>
    Time,

    /// <summary>A JSON document: jsonb on PostgreSQL, text on SQLite.</summary>
    Json,
}

internal sealed record SeedColumn(string Name, ColumnKind Kind);

/// <summary>
/// A table the seeder writes, as the modules' migrations create it: module schema and table on
/// PostgreSQL (<c>deals.deals</c>), <c>schema_table</c> on SQLite (<c>deals_deals</c>). Columns
/// left out take their default (NULL).
/// </summary>
internal sealed record SeedTable(string Schema, string Name, bool HasIdentity, IReadOnlyList<SeedColumn> Columns)
{
    public string Display => $"{Schema}.{Name}";

    public string PostgresName => $"{Schema}.{Name}";

    public string SqliteName => $"{Schema}_{Name}";
}

/// <summary>The tables <c>crm seed</c> fills, in the order it fills them.</summary>
internal static class SeedTables
{
    private static SeedColumn C(string name, ColumnKind kind) => new(name, kind);

    private static readonly SeedColumn[] Audit =
    [
        C("created_at", ColumnKind.Time), C("updated_at", ColumnKind.Time), C("created_by_id", ColumnKind.BigInt), C("updated_by_id", ColumnKind.BigInt),
    ];

    private static readonly SeedColumn[] Utm =
    [
        C("utm_source", ColumnKind.Text), C("utm_medium", ColumnKind.Text), C("utm_campaign", ColumnKind.Text), C("utm_content", ColumnKind.Text), C("utm_term", ColumnKind.Text),
    ];

    /// <summary>The Permissions module's users: <c>crm seed --managers</c> adds the seed's own.</summary>
    public static readonly SeedTable Users = new("permissions", "users", true,
    [
        C("id", ColumnKind.BigInt), C("email", ColumnKind.Text), C("normalized_email", ColumnKind.Text), C("name", ColumnKind.Text),
        C("last_name", ColumnKind.Text), C("active", ColumnKind.Bool), C("time_zone", ColumnKind.Text), C("language", ColumnKind.Text),
        C("kind", ColumnKind.Text), C("is_administrator", ColumnKind.Bool), C("created_at", ColumnKind.Time), C("updated_at", ColumnKind.Time),
    ]);

    /// <summary>The row whose version a host polls to see that users changed.</summary>
    public static readonly SeedTable PermissionsVersion = new("permissions", "permissions_version", false, []);

    public static readonly SeedTable Companies = new("companies", "companies", true,
    [
        C("id", ColumnKind.BigInt), C("title", ColumnKind.Text), C("company_type", ColumnKind.Text), C("industry", ColumnKind.Text),
        C("employees", ColumnKind.Text), C("revenue", ColumnKind.Money), C("currency_id", ColumnKind.Text),
        C("phones", ColumnKind.Json), C("emails", ColumnKind.Json), C("webs", ColumnKind.Json), C("address", ColumnKind.Json),
        C("comments", ColumnKind.Text), C("assigned_by_id", ColumnKind.BigInt), C("opened", ColumnKind.Bool), .. Audit, C("search_content", ColumnKind.Text),
    ]);

    public static readonly SeedTable Contacts = new("contacts", "contacts", true,
    [
        C("id", ColumnKind.BigInt), C("honorific", ColumnKind.Text), C("name", ColumnKind.Text), C("second_name", ColumnKind.Text),
        C("last_name", ColumnKind.Text), C("post", ColumnKind.Text), C("type_id", ColumnKind.Text), C("source_id", ColumnKind.Text),
        C("phones", ColumnKind.Json), C("emails", ColumnKind.Json), C("birthdate", ColumnKind.Date), C("comments", ColumnKind.Text),
        C("assigned_by_id", ColumnKind.BigInt), C("opened", ColumnKind.Bool), .. Audit, C("search_content", ColumnKind.Text), C("search_links", ColumnKind.Text),
    ]);

    public static readonly SeedTable ContactCompanies = new("contacts", "contact_companies", false,
    [
        C("contact_id", ColumnKind.BigInt), C("company_id", ColumnKind.BigInt), C("sort", ColumnKind.Int),
    ]);

    public static readonly SeedTable Deals = new("deals", "deals", true,
    [
        C("id", ColumnKind.BigInt), C("title", ColumnKind.Text), C("type_id", ColumnKind.Text), C("pipeline_id", ColumnKind.BigInt),
        C("stage_id", ColumnKind.Text), C("stage_semantics", ColumnKind.Text), C("closed", ColumnKind.Bool), C("probability", ColumnKind.Int),
        C("opportunity", ColumnKind.Money), C("currency_id", ColumnKind.Text), C("begin_date", ColumnKind.Date), C("close_date", ColumnKind.Date),
        C("company_id", ColumnKind.BigInt), C("contact_id", ColumnKind.BigInt), C("source_id", ColumnKind.Text),
        C("assigned_by_id", ColumnKind.BigInt), C("opened", ColumnKind.Bool), C("comments", ColumnKind.Text), C("lead_id", ColumnKind.BigInt),
        .. Utm, .. Audit, C("search_content", ColumnKind.Text), C("search_links", ColumnKind.Text),
    ]);

    /// <summary>Deals with their custom field values (<c>crm seed --deal-custom-fields</c>).</summary>
    public static readonly SeedTable DealsWithCustomFields = Deals with { Columns = [.. Deals.Columns, C("custom_fields", ColumnKind.Json)] };

    public static readonly SeedTable DealContacts = new("deals", "deal_contacts", false,
    [
        C("deal_id", ColumnKind.BigInt), C("contact_id", ColumnKind.BigInt), C("sort", ColumnKind.Int),
    ]);

    public static readonly SeedTable Leads = new("leads", "leads", true,
    [
        C("id", ColumnKind.BigInt), C("title", ColumnKind.Text), C("honorific", ColumnKind.Text), C("name", ColumnKind.Text),
        C("last_name", ColumnKind.Text), C("company_title", ColumnKind.Text), C("post", ColumnKind.Text), C("status_id", ColumnKind.Text),
        C("source_id", ColumnKind.Text), C("opportunity", ColumnKind.Money), C("currency_id", ColumnKind.Text),
        C("assigned_by_id", ColumnKind.BigInt), C("opened", ColumnKind.Bool), C("comments", ColumnKind.Text), C("birthdate", ColumnKind.Date),
        C("address", ColumnKind.Json), .. Utm,
        C("phones", ColumnKind.Json), C("emails", ColumnKind.Json), C("webs", ColumnKind.Json), C("ims", ColumnKind.Json),
        C("contact_id", ColumnKind.BigInt), C("company_id", ColumnKind.BigInt), C("deal_id", ColumnKind.BigInt), .. Audit, C("search_content", ColumnKind.Text),
    ]);
}
