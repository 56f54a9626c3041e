using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Duplicates;

/// <summary>A host where a duplicate lead is refused, companies are not checked, and contacts and deals warn (the default).</summary>
public abstract class DuplicatesHost(Engine engine) : HostFixture(engine)
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Duplicates:Types:lead"] = "Refuse",
        ["Duplicates:Types:company"] = "Off",
    };
}

public sealed class DuplicatesSqliteHost() : DuplicatesHost(Engine.Sqlite);

public sealed class DuplicatesPostgresHost() : DuplicatesHost(Engine.Postgres);
