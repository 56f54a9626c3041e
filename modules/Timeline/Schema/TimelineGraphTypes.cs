using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Comments;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Timeline;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Schema;

/// <summary>
/// The <c>TimelineEntry</c> interface (id, cursor, kind, when, who, which record) and one object
/// type per kind of entry the platform writes.
/// </summary>
public sealed class TimelineGraphTypes
{
    private static readonly ConditionalWeakTable<TimelineEntry, JsonObject> Parsed = new();

    private readonly Dictionary<string, ObjectGraphType> _byKind = new(StringComparer.Ordinal);
    private readonly SchemaComposer _composer;

    public TimelineGraphTypes(SchemaComposer composer, IEnumerable<TimelineKindDeclaration> declaredKinds)
    {
        _composer = composer;
        var shared = composer.Types;
        var actorKind = new EnumerationGraphType { Name = "ActorKind", Description = "What kind of actor made a change." };
        actorKind.Add("USER", "USER", "A user signed in with an access token.");
        actorKind.Add("API_KEY", "API_KEY", "An integration, with one of a user's API keys.");
        actorKind.Add("SYSTEM", "SYSTEM", "The platform's own work (and changes stored before actor kinds were told).");
        actorKind.Add("AUTOMATION", "AUTOMATION", "An automation rule.");
        actorKind.Add("IMPORT", "IMPORT", "An import of records.");

        var actor = new ObjectGraphType { Name = "TimelineActor", Description = "Who made a change and through what." };
        actor.AddField(SharedGraphTypes.Field<TimelineEntry>("kind", typeof(NonNullGraphType<EnumerationGraphType>), e => e.ActorKind));
        actor.Fields.Find("kind")!.ResolvedType = new NonNullGraphType(actorKind);
        actor.AddField(SharedGraphTypes.Field<TimelineEntry>("userId", typeof(IdGraphType), e => e.ActorId is null or 0 ? null : e.ActorId.Value.ToString(CultureInfo.InvariantCulture), "The user whose change it was; null for the platform's own work."));
        actor.AddField(SharedGraphTypes.Field<TimelineEntry>("via", typeof(StringGraphType), e => e.Via, "The channel: graphql, import, platform, automation ...; null when unknown."));
        actor.AddField(SharedGraphTypes.Field<TimelineEntry>("ruleId", typeof(IdGraphType),
            e => Crm.PluginSdk.Automation.AutomationChannel.TryParse(e.Via, out var rule, out _) ? rule.ToString(CultureInfo.InvariantCulture) : null,
            "For a change by automation (kind AUTOMATION): the rule whose run made it; null otherwise."));
        actor.AddField(SharedGraphTypes.Field<TimelineEntry>("ruleVersion", typeof(IntGraphType),
            e => Crm.PluginSdk.Automation.AutomationChannel.TryParse(e.Via, out _, out var version) ? version : null,
            "For a change by automation: the version of the rule the run started with; null otherwise."));
        composer.AddUserField<TimelineEntry>(actor, "user", "The user whose change it was (loaded for the whole page at once); null for the platform's own work.",
            e => e.ActorId is null or 0 ? null : e.ActorId);

        Entry = new InterfaceGraphType { Name = "TimelineEntry", Description = "One thing that happened to a record." };
        AddCommonFields(Entry, shared, actor);
        foreach (var field in Entry.Fields)
        {
            field.Resolver = null; // an interface's fields are resolved by the object type of each entry
        }

        Entry.ResolveType = value => value is TimelineEntry e ? _byKind.GetValueOrDefault(e.Kind) : null;

        Add(TimelineKinds.Created, "TimelineCreatedEntry", "The record was created.", shared, actor, _ => { });
        Add(TimelineKinds.Deleted, "TimelineDeletedEntry", "The record was deleted.", shared, actor, _ => { });

        var change = new ObjectGraphType { Name = "TimelineFieldChange", Description = "One field's old and new value, as JSON text (built-in fields and custom fields alike)." };
        change.AddField(SharedGraphTypes.Field<FieldChange>("field", typeof(NonNullGraphType<StringGraphType>), c => c.Field, "The field's GraphQL name (custom fields by theirs, e.g. ufCrmBudget; link lists by their input name, e.g. companyIds)."));
        change.AddField(SharedGraphTypes.Field<FieldChange>("oldValue", typeof(StringGraphType), c => c.OldValue, "The value before, as JSON; null when it had none."));
        change.AddField(SharedGraphTypes.Field<FieldChange>("newValue", typeof(StringGraphType), c => c.NewValue, "The value after, as JSON; null when it has none."));
        Add(TimelineKinds.FieldsChanged, "TimelineFieldsChangedEntry", "Fields of the record changed.", shared, actor, type =>
            type.AddField(new FieldType
            {
                Name = "changes",
                ResolvedType = SchemaComposer.NonNullList(change),
                Resolver = new FuncFieldResolver<object?>(c => Changes((TimelineEntry)c.Source!)),
            }));

        Add(TimelineKinds.StageChanged, "TimelineStageChangedEntry", "The record moved to another stage (a deal) or status (a lead).", shared, actor, type =>
        {
            type.AddField(SharedGraphTypes.Field<TimelineEntry>("pipelineId", typeof(NonNullGraphType<IdGraphType>), e => ((long?)Data(e)["pipelineId"] ?? 0).ToString(CultureInfo.InvariantCulture), "The deal's pipeline (0, the default one, for types without pipelines)."));
            type.AddField(SharedGraphTypes.Field<TimelineEntry>("fromId", typeof(StringGraphType), e => (string?)Data(e)["fromId"], "The stage or status it left."));
            type.AddField(SharedGraphTypes.Field<TimelineEntry>("toId", typeof(NonNullGraphType<StringGraphType>), e => (string?)Data(e)["toId"], "The stage or status it is on."));
            type.AddField(new FieldType
            {
                Name = "semantics",
                Description = "What the new stage meant when it moved: PROCESS, SUCCESS (won) or FAILURE (lost).",
                ResolvedType = new NonNullGraphType(shared.ListItemSemantics),
                Resolver = new FuncFieldResolver<object?>(c => Enum.Parse<PluginSdk.Lists.ListItemSemantics>(((string?)Data((TimelineEntry)c.Source!)["semantics"] ?? "PROCESS").Replace("_", "", StringComparison.Ordinal), ignoreCase: true)),
            });
        });

        Add(TimelineKinds.Converted, "TimelineConversionEntry", "A lead was converted: on the lead, what it became; on each record it became, the lead.", shared, actor, type =>
        {
            foreach (var field in new[] { "leadId", "contactId", "companyId", "dealId" })
            {
                type.AddField(SharedGraphTypes.Field<TimelineEntry>(field, typeof(IdGraphType), e => ((long?)Data(e)[field])?.ToString(CultureInfo.InvariantCulture)));
            }
        });

        // The comment as it is now (an edit shows its new text): the comments of a page's entries in one statement.
        Add(TimelineKinds.Comment, "TimelineCommentEntry", "A user's comment on the record, as it is now (a deleted comment leaves the timeline).", shared, actor, type =>
        {
            foreach (var field in CommentGraphType.Fields("commentId", c =>
            {
                var services = c.RequestServices!;
                return services.GetRequiredService<BatchLoaderScope>()
                    .GetOrAdd<long, Comment>("timeline:comments", (ids, ct) => new CommentReader(services.GetRequiredService<TimelineDbContext>()).ByIdsAsync(ids, ct))
                    .Load((long?)Data((TimelineEntry)c.Source!)["commentId"] ?? 0);
            }))
            {
                type.AddField(field);
            }
        });

        // The kinds modules and plugins declare (ITimelineKinds): each field read from the entry's data by its declared type.
        foreach (var declared in declaredKinds)
        {
            Add(declared.Kind, declared.GraphTypeName, declared.Description, shared, actor, type =>
            {
                foreach (var field in declared.Fields)
                {
                    type.AddField(DeclaredFields.Field(field, Data));
                }
            });
        }
    }

    public InterfaceGraphType Entry { get; }

    /// <summary>The object type of each kind: met only through the interface, so told to the schema one by one.</summary>
    public IEnumerable<ObjectGraphType> EntryTypes => _byKind.Values;

    private void Add(string kind, string name, string description, SharedGraphTypes shared, IGraphType actor, Action<ObjectGraphType> fields)
    {
        var type = new ObjectGraphType { Name = name, Description = description };
        AddCommonFields(type, shared, actor);
        fields(type);
        type.AddResolvedInterface(Entry);
        type.IsTypeOf = value => value is TimelineEntry e && e.Kind == kind;
        Entry.AddPossibleType(type);
        _byKind[kind] = type;
    }

    private void AddCommonFields(IComplexGraphType type, SharedGraphTypes shared, IGraphType actor)
    {
        type.AddField(SharedGraphTypes.Field<TimelineEntry>("id", typeof(NonNullGraphType<IdGraphType>), e => e.Id.ToString(CultureInfo.InvariantCulture), "Grows with every entry written: later entries have larger ids."));
        type.AddField(SharedGraphTypes.Field<TimelineEntry>("kind", typeof(NonNullGraphType<StringGraphType>), e => e.Kind, "created, fieldsChanged, stageChanged, converted, deleted, comment."));
        type.AddField(SharedGraphTypes.Field<TimelineEntry>("occurredAt", typeof(NonNullGraphType<DateTimeGraphType>), e => DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)));
        type.AddField(new FieldType { Name = "actor", ResolvedType = new NonNullGraphType(actor), Resolver = new FuncFieldResolver<object?>(c => c.Source) });
        type.AddField(new FieldType
        {
            Name = "entityType",
            ResolvedType = new NonNullGraphType(shared.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => ((TimelineEntry)c.Source!).EntityType),
        });
        type.AddField(SharedGraphTypes.Field<TimelineEntry>("entityId", typeof(NonNullGraphType<IdGraphType>), e => e.EntityId.ToString(CultureInfo.InvariantCulture)));
        if (_composer.RecordField<TimelineEntry>("record", "The record it happened to, loaded for the whole page at once; null when it was deleted since.",
                e => (e.EntityType, e.EntityId)) is { } record)
        {
            type.AddField(record);
        }
    }

    /// <summary>
    /// The entry's changes, read from its data once and kept with the entry as immutable values:
    /// every subscriber and page that shows the entry shares them (no JSON walked per reader, no
    /// JSON node shared between threads).
    /// </summary>
    private static IReadOnlyList<FieldChange> Changes(TimelineEntry entry) =>
        ChangeLists.GetValue(entry, static e => (Data(e)["changes"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => new FieldChange((string?)c["field"] ?? "", c["oldValue"]?.ToJsonString(), c["newValue"]?.ToJsonString())).ToArray());

    private static readonly ConditionalWeakTable<TimelineEntry, IReadOnlyList<FieldChange>> ChangeLists = [];

    /// <summary>One field's change as the API shows it: the values as JSON text.</summary>
    private sealed record FieldChange(string Field, string? OldValue, string? NewValue);

    private static JsonObject Data(TimelineEntry entry) =>
        Parsed.GetValue(entry, static e => JsonNode.Parse(e.Data) as JsonObject ?? []);
}
