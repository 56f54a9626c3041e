using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.PluginSdk.Lists;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>
/// <c>bulkUpdate(entityType:, ids:, where:, viewId:, action:)</c>: starts a bulk action job. One
/// mutation with an action input rather than one per action: the records are chosen, bounded and
/// checked the same way for every action, and a new action is a new kind, not a new mutation.
/// </summary>
public sealed class BulkSchemaContributor(BulkActionsOptions options) : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var kind = new EnumerationGraphType { Name = "BulkActionKind", Description = "What a bulk action does to each record." };
        kind.Add("SET_FIELDS", BulkActionKind.SetFields, "Sets 'fields' (any field of the type's update input, custom fields and the stage or status included) through the type's update.");
        kind.Add("ASSIGN", BulkActionKind.Assign, "Makes 'userId' the responsible user through the type's update.");
        kind.Add("DELETE", BulkActionKind.Delete, "Deletes each record through the type's delete.");
        kind.Add("ADD_COMMENT", BulkActionKind.AddComment, "Adds 'text' as your comment on each record's timeline (the automation action timeline.addComment: whoever may read a record may comment on it).");
        kind.Add("CREATE_ACTIVITY", BulkActionKind.CreateActivity, "Plans an activity bound to each record, as 'activity' describes it (the automation action activities.create).");
        kind.Add("OPEN", BulkActionKind.Open, "Moves each record to the first in-process item of its stage or status list (a deal to its pipeline's first open stage), for types whose stageId or statusId comes from a selection list; reopens each record of a type closed its own way (an activity: its completion cleared). A record open already is left as it is (counted unchanged).");
        kind.Add("CLOSE", BulkActionKind.Close, "Moves each record to the first item of its stage or status list meaning 'outcome' (a deal to its pipeline's won or lost stage, a lead to junk: a lead's success status is reached by convertLead, so its update refuses it); closes each record of a type closed its own way (an activity: completed, as completeActivity does; no outcome needed). A record already there is left as it is (counted unchanged).");

        var action = new InputObjectGraphType { Name = "BulkActionInput", Description = "A bulk action: its kind and what that kind needs." };
        action.AddField(new FieldType { Name = "kind", ResolvedType = new NonNullGraphType(kind) });
        action.AddField(new FieldType { Name = "fields", ResolvedType = composer.Types.Json, Description = $"SET_FIELDS: the values, as the type's update input takes them: {{ \"stageId\": \"WON\", \"ufCrmNote\": \"x\" }}; at most {options.MaxFields} fields (BulkActions:MaxFields)." });
        action.AddField(new FieldType { Name = "userId", ResolvedType = new IdGraphType(), Description = "ASSIGN: the new responsible user." });
        action.AddField(new FieldType { Name = "text", ResolvedType = new StringGraphType(), Description = "ADD_COMMENT: the comment, plain text; @[user:5] mentions user 5 (the comments' limits: at most 10,000 characters)." });
        action.AddField(new FieldType
        {
            Name = "activity",
            ResolvedType = composer.Types.Json,
            Description = "CREATE_ACTIVITY: the activity, as the automation action activities.create takes it: { \"subject\": \"Call back\", \"typeId\": \"CALL\", \"responsibleId\": \"5\", "
                + "\"deadline\": \"2026-12-04T17:00:00Z\" (or \"deadlineIn\": \"P3D\"), \"priority\": \"HIGH\", \"description\": \"...\" }; its limits are that action's.",
        });
        action.AddField(new FieldType { Name = "outcome", ResolvedType = composer.Types.ListItemSemantics, Description = "CLOSE of a type closed by its stage or status: SUCCESS (a won deal) or FAILURE (a lost deal, a junk lead)." });

        var payload = new ObjectGraphType { Name = "BulkUpdatePayload", Description = "The bulk action's job, or why it was refused." };
        payload.AddField(new FieldType { Name = "job", ResolvedType = new GraphQLTypeReference(IJobs.GraphTypeName), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Job) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Errors) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "bulkUpdate",
            Description = "Starts a job that applies 'action' to each chosen record, in ascending id order, through the type's own update or delete (or the comment's or activity's own create), as you: "
                + "validation, your rights on each record, events and timeline are those of a single write. "
                + $"The records are 'ids' (at most {options.MaxIds}, BulkActions:MaxIds) or those you may read that match 'where' AND-ed with the saved view 'viewId' "
                + $"(at most {options.MaxRecords}, BulkActions:MaxRecords, counted when the job starts). "
                + "Follow the job with job(id:): its counts 'done' and 'refused'; when it ends, 'download' links a JSON file with the counts and the refused records "
                + $"(the first {options.MaxRefusalsListed}, BulkActions:MaxRefusalsListed), each with its code and reason.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<ListGraphType<NonNullGraphType<IdGraphType>>> { Name = "ids" },
                new QueryArgument(composer.Types.Json) { Name = "where" },
                ViewArgument.Create("A saved view (or saved filter) of the type whose filter, as it is when the job starts, is AND-ed with 'where'."),
                new QueryArgument(new NonNullGraphType(action)) { Name = "action" }),
            Resolver = new FuncFieldResolver<object?>(StartAsync),
        });
    }

    private async ValueTask<object?> StartAsync(IResolveFieldContext c)
    {
        var entityType = c.GetArgument<string>("entityType");
        var ids = c.GetArgument<List<object>?>("ids");
        var where = c.GetArgument<object?>("where");
        var viewId = c.GetArgument<object?>("viewId");
        var action = c.GetArgument<Dictionary<string, object?>>("action");

        // Refused before the arguments are read any further (a list ten times too long costs nothing more).
        if (ids is { Count: var count } && count > options.MaxIds)
        {
            return Refused(ErrorCodes.LimitExceeded, $"'ids' names {count} records; the limit is {options.MaxIds} (BulkActions:MaxIds).", "ids");
        }

        var byFilter = where is not null || viewId is not null;
        if ((ids is not null) == byFilter)
        {
            return Refused(ErrorCodes.Required, "Choose the records by 'ids', or by 'where' and/or 'viewId': one of the two.", "ids");
        }

        if (where is not null and not JsonObject)
        {
            return Refused(ErrorCodes.InvalidFormat, "'where' is an object, as the list's where.", "where");
        }

        var parsed = new SortedSet<long>();
        foreach (var id in ids ?? [])
        {
            if (!long.TryParse(Convert.ToString(id, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
            {
                return Refused(ErrorCodes.InvalidFormat, $"'{id}' is not a record id.", "ids");
            }

            parsed.Add(value);
        }

        var actionKind = (BulkActionKind)action["kind"]!;
        JsonObject? fields = null;
        JsonObject? step = null;
        ListItemSemantics? outcome = null;
        switch (actionKind)
        {
            case BulkActionKind.SetFields:
                if (action.GetValueOrDefault("fields") is not JsonObject given)
                {
                    return Refused(ErrorCodes.Required, "SET_FIELDS needs 'fields': an object of field values.", "action", "fields");
                }

                if (given.Count > options.MaxFields)
                {
                    return Refused(ErrorCodes.LimitExceeded, $"'fields' sets {given.Count} fields; the limit is {options.MaxFields} (BulkActions:MaxFields).", "action", "fields");
                }

                fields = given;
                break;
            case BulkActionKind.AddComment:
                if (action.GetValueOrDefault("text") is not string text)
                {
                    return Refused(ErrorCodes.Required, "ADD_COMMENT needs 'text'.", "action", "text");
                }

                // The length is the comment action's to check, before the job is stored.
                step = new JsonObject { ["text"] = text };
                break;
            case BulkActionKind.CreateActivity:
                if (action.GetValueOrDefault("activity") is not JsonObject activity)
                {
                    return Refused(ErrorCodes.Required, "CREATE_ACTIVITY needs 'activity': an object with at least its subject.", "action", "activity");
                }

                step = activity;
                break;
            case BulkActionKind.Close:
                outcome = action.GetValueOrDefault("outcome") as ListItemSemantics?;
                break;
            case BulkActionKind.Assign:
                if (Convert.ToString(action.GetValueOrDefault("userId"), CultureInfo.InvariantCulture) is not { Length: > 0 } userId)
                {
                    return Refused(ErrorCodes.Required, "ASSIGN needs 'userId'.", "action", "userId");
                }

                // An unknown type is left to the job's validation, which says so.
                if (c.RequestServices!.GetRequiredService<IEntityRegistry>().Find(entityType) is ICrmEntityDefinition definition)
                {
                    if (ParameterValidator.ResponsibleField(definition) is not { } responsible)
                    {
                        return Refused(ErrorCodes.InvalidValue, $"{definition.PluralName} have no responsible user.", "action", "kind");
                    }

                    fields = new JsonObject { [responsible.Name] = userId };
                }

                break;
        }

        // The view is read once, as the caller, and stored with the job as what it said then.
        var view = ids is null ? await ViewArgument.ResolveAsync(c, entityType) : null;
        var filter = view is null ? where as JsonObject : view.CombinedWhereJson(where as JsonObject);
        var parameters = new BulkParameters(entityType, ids is null ? null : [.. parsed], ids is null ? filter ?? [] : null, actionKind, fields) { StepParameters = step, Outcome = outcome };
        return await c.RequestServices!.GetRequiredService<IJobs>().StartAsync(BulkUpdateJob.KindName, parameters, c.CancellationToken);
    }

    private static JobStart Refused(string code, string message, params string[] path) => new(null, [UserError.At(code, message, path)]);
}
