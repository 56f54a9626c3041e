using System.Text.Json;

namespace Crm.Tests.SamplePlugin.Faults;

/// <summary>The entry points of a module a test can make this plugin throw at.</summary>
public enum EntryPoint
{
    /// <summary>No fault: the plugin loads and works.</summary>
    None,

    /// <summary>The module class's constructor.</summary>
    Constructor,

    /// <summary>The manifest's getter.</summary>
    Manifest,

    /// <summary><c>ConfigureServices</c>, after it registered its services.</summary>
    ConfigureServices,

    /// <summary>A record type's <c>Configure</c> (run by the definition's constructor).</summary>
    RecordType,

    /// <summary>A schema contributor's constructor.</summary>
    SchemaContributorConstructor,

    /// <summary>A schema contributor's <c>Contribute</c>.</summary>
    SchemaContribution,

    /// <summary><c>Contribute</c> adds a root field another module holds (<c>contacts</c>): the schema as a whole cannot be built.</summary>
    SchemaNameClash,

    /// <summary>An event handler's constructor.</summary>
    EventHandlerConstructor,

    /// <summary>A background service's <c>StartAsync</c>.</summary>
    BackgroundServiceStart,

    /// <summary>A background service's <c>ExecuteAsync</c>, once it runs.</summary>
    BackgroundServiceRun,

    /// <summary>A data migration's <c>RunAsync</c>, after it wrote (what it wrote must not stay).</summary>
    DataMigration,

    /// <summary>A start-up task's <c>RunAsync</c>.</summary>
    StartupTask,

    /// <summary>The quote's timeline projection, for every event.</summary>
    TimelineProjection,

    /// <summary>The quotes' planned items, whenever the feed asks for them.</summary>
    PlannedItems,

    /// <summary>The endpoint contributor's <c>MapEndpoints</c>, after it mapped its endpoint (nothing of it may stay mapped).</summary>
    EndpointMapping,
}

/// <summary>
/// What a test asks of this copy of the plugin, from <c>faults.json</c> beside its assembly:
/// <c>{ "throwIn": "RecordType", "id": "deals", "recordTypeName": "deal" }</c>, every key
/// optional (an id or a record type name another module holds makes the plugin claim it; a
/// <c>timelineKind</c> is the name its quote timeline kind is declared under; a <c>version</c> is
/// the one its manifest states, for the marketplace's upgrades; an <c>icon</c> the file name its
/// manifest names as its icon; a <c>pingCron</c> the CRON its scheduled work is scheduled on at start). Each
/// copy is loaded in a load context of its own, so each reads its own file. Without the file the
/// plugin faults nowhere.
/// </summary>
public sealed record FaultSettings(EntryPoint ThrowIn = EntryPoint.None, string? Id = null, string? RecordTypeName = null, string? TimelineKind = null, string? Version = null, string? Icon = null, string? PingCron = null)
{
    public const string FileName = "faults.json";

    public static FaultSettings Current { get; } = Read();

    private static FaultSettings Read()
    {
        var file = Path.Combine(Path.GetDirectoryName(typeof(FaultSettings).Assembly.Location)!, FileName);
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        return File.Exists(file) ? JsonSerializer.Deserialize<FaultSettings>(File.ReadAllText(file), options)! : new FaultSettings();
    }

    /// <summary>Throws when the test named <paramref name="entryPoint"/>.</summary>
    public static void ThrowIfAsked(EntryPoint entryPoint)
    {
        if (Current.ThrowIn == entryPoint)
        {
            throw new InvalidOperationException($"The sample plugin was told to throw in {entryPoint}.");
        }
    }
}
