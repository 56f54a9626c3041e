using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Modules.SelectionLists.Data;
using Crm.Modules.SelectionLists.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.SelectionLists.Schema;

/// <summary>
/// <c>selectionList</c>, <c>selectionLists</c> and the mutations admins edit them with. Removing an
/// item that records hold moves those records to another item of the list in the same transaction.
/// </summary>
public sealed partial class SelectionListsSchema : ISchemaContributor
{
    public sealed record SelectionList(string EntityId, string Name, IReadOnlyList<SelectionListItem> Items);

    public sealed record ItemPayload(SelectionListItem? Item, IReadOnlyList<UserError> Errors);

    public sealed record RemovePayload(string? RemovedId, int MovedRecords, IReadOnlyList<UserError> Errors);

    public sealed record ListPayload(SelectionList? List, IReadOnlyList<UserError> Errors);

    public void Contribute(SchemaComposer composer)
    {
        var item = composer.Types.SelectionListItem;
        var list = new ObjectGraphType { Name = "SelectionList", Description = "An admin-editable list of values (Bitrix24's crm.status)." };
        list.AddField(SharedGraphTypes.Field<SelectionList>("entityId", typeof(NonNullGraphType<StringGraphType>), l => l.EntityId));
        list.AddField(SharedGraphTypes.Field<SelectionList>("name", typeof(NonNullGraphType<StringGraphType>), l => l.Name));
        list.AddField(new FieldType { Name = "items", ResolvedType = SchemaComposer.NonNullList(item), Resolver = new FuncFieldResolver<object?>(c => ((SelectionList)c.Source!).Items) });

        composer.Query.AddField(new FieldType
        {
            Name = "selectionList",
            Description = "One selection list by its id (STATUS, SOURCE, DEAL_STAGE_1 ...).",
            ResolvedType = list,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var entityId = c.GetArgument<string>("entityId");
                return await FindListAsync(c.RequestServices!, entityId, c.CancellationToken)
                    ?? throw ErrorCodes.Error(ErrorCodes.NotFound, $"There is no selection list '{entityId}'.");
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "selectionLists",
            Description = "Every selection list.",
            ResolvedType = SchemaComposer.NonNullList(list),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var all = await Store(c.RequestServices!).AllAsync(c.CancellationToken);
                return all.Select(l => new SelectionList(l.Key, ListName(l.Key), l.Value)).ToList();
            }),
        });

        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        var itemPayload = new ObjectGraphType { Name = "SelectionListItemPayload", Description = "The item as saved, or why not." };
        itemPayload.AddField(new FieldType { Name = "item", ResolvedType = item, Resolver = new FuncFieldResolver<object?>(c => ((ItemPayload)c.Source!).Item) });
        itemPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((ItemPayload)c.Source!).Errors) });

        var addInput = new InputObjectGraphType { Name = "AddSelectionListItemInput", Description = "A new list item." };
        addInput.AddField(new FieldType { Name = "entityId", Type = typeof(NonNullGraphType<StringGraphType>), Description = "The list." });
        addInput.AddField(new FieldType { Name = "id", Type = typeof(StringGraphType), Description = "Upper-case letters, digits and _; made from the name when left out. Stages of pipeline n start with Cn:." });
        addInput.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>) });
        AddCommonFields(addInput, composer);

        var updateInput = new InputObjectGraphType { Name = "UpdateSelectionListItemInput", Description = "Changes to a list item; fields left out keep their values." };
        updateInput.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        AddCommonFields(updateInput, composer);

        composer.Mutation.AddField(new FieldType
        {
            Name = "addSelectionListItem",
            ResolvedType = new NonNullGraphType(itemPayload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(addInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await AddAsync(c.RequestServices!, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateSelectionListItem",
            ResolvedType = new NonNullGraphType(itemPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await UpdateAsync(c.RequestServices!, c.GetArgument<string>("entityId"), c.GetArgument<string>("id"),
                c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });

        var removePayload = new ObjectGraphType { Name = "RemoveSelectionListItemPayload", Description = "The outcome of removing a list item." };
        removePayload.AddField(SharedGraphTypes.Field<RemovePayload>("removedId", typeof(StringGraphType), p => p.RemovedId));
        removePayload.AddField(SharedGraphTypes.Field<RemovePayload>("movedRecords", typeof(NonNullGraphType<IntGraphType>), p => p.MovedRecords, "How many records were moved to 'moveTo'."));
        removePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((RemovePayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "removeSelectionListItem",
            Description = "Removes a list item. Records that hold it must be moved to another item of the list: name it in 'moveTo'.",
            ResolvedType = new NonNullGraphType(removePayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument<StringGraphType> { Name = "moveTo" }),
            Resolver = new FuncFieldResolver<object?>(async c => await RemoveAsync(c.RequestServices!, c.GetArgument<string>("entityId"), c.GetArgument<string>("id"),
                c.GetArgument<string?>("moveTo"), c.CancellationToken)),
        });

        var listPayload = new ObjectGraphType { Name = "SelectionListPayload", Description = "The list as saved, or why not." };
        listPayload.AddField(new FieldType { Name = "list", ResolvedType = list, Resolver = new FuncFieldResolver<object?>(c => ((ListPayload)c.Source!).List) });
        listPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((ListPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "reorderSelectionList",
            Description = "Puts the list's items in the given order (every item id, once).",
            ResolvedType = new NonNullGraphType(listPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>> { Name = "ids" }),
            Resolver = new FuncFieldResolver<object?>(async c => await ReorderAsync(c.RequestServices!, c.GetArgument<string>("entityId"), c.GetArgument<List<string>>("ids"), c.CancellationToken)),
        });
    }

    private static void AddCommonFields(InputObjectGraphType input, SchemaComposer composer)
    {
        input.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType), Description = "Position; at the end when left out." });
        input.AddField(new FieldType { Name = "color", Type = typeof(StringGraphType), Description = "#RRGGBB." });
        input.AddField(new FieldType { Name = "semantics", ResolvedType = composer.Types.ListItemSemantics, Description = "Statuses and stages only; PROCESS when left out." });
        input.AddField(new FieldType { Name = "probability", Type = typeof(IntGraphType), Description = "Deal stages only: default probability, 0 to 100." });
    }

    private static SelectionListStore Store(IServiceProvider services) => services.GetRequiredService<SelectionListStore>();

    private static string ListName(string entityId) =>
        DefaultLists.Names.GetValueOrDefault(entityId)
        ?? (DefaultLists.IsStageList(entityId) ? $"Deal stages (pipeline {entityId[(DefaultLists.DealStage.Length + 1)..]})" : entityId);

    private static async Task<SelectionList?> FindListAsync(IServiceProvider services, string entityId, CancellationToken cancellationToken)
    {
        var items = await Store(services).GetItemsAsync(entityId, cancellationToken);
        return items.Count == 0 && !DefaultLists.Names.ContainsKey(entityId) ? null : new SelectionList(entityId, ListName(entityId), items);
    }

    private static UserError? RefuseUnlessAllowed(IServiceProvider services) =>
        services.GetRequiredService<ICurrentActor>().IsAdministrator
            ? null
            : UserError.At(ErrorCodes.Forbidden, "Editing selection lists needs the settings right.");

    private static async Task<ItemPayload> AddAsync(IServiceProvider services, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (RefuseUnlessAllowed(services) is { } forbidden)
        {
            return new ItemPayload(null, [forbidden]);
        }

        var entityId = (string)input["entityId"]!;
        var list = await FindListAsync(services, entityId, cancellationToken);
        if (list is null)
        {
            return new ItemPayload(null, [UserError.At(ErrorCodes.NotFound, $"There is no selection list '{entityId}'.", "input", "entityId")]);
        }

        var errors = new List<UserError>();
        var name = ((string)input["name"]!).Trim();
        var prefix = StagePrefix(entityId);
        var id = input.GetValueOrDefault("id") as string ?? prefix + MakeId(name);
        if (!IdPattern().IsMatch(id) || id.Length > 50 || (prefix.Length > 0 && !id.StartsWith(prefix, StringComparison.Ordinal)))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat,
                $"'{id}' is not a valid item id: use up to 50 upper-case letters, digits and _{(prefix.Length > 0 ? $", starting with {prefix}" : "")}.", "input", "id"));
        }
        else if (list.Items.Any(i => i.Id == id))
        {
            errors.Add(UserError.At(ErrorCodes.Conflict, $"The list {entityId} already has an item '{id}'.", "input", "id"));
        }

        var item = new ListItem
        {
            EntityId = entityId,
            StatusId = id,
            Name = name,
            Sort = list.Items.Count == 0 ? 10 : list.Items.Max(i => i.Sort) + 10,
            Semantics = DefaultLists.HasSemantics(entityId) ? ListItemSemantics.Process : null,
        };
        Apply(item, input, list, errors);
        if (errors.Count > 0)
        {
            return new ItemPayload(null, errors);
        }

        var db = services.GetRequiredService<SelectionListsDbContext>();
        db.Items.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        Store(services).Invalidate();
        return new ItemPayload(item.ToPublic(), []);
    }

    private static async Task<ItemPayload> UpdateAsync(IServiceProvider services, string entityId, string id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (RefuseUnlessAllowed(services) is { } forbidden)
        {
            return new ItemPayload(null, [forbidden]);
        }

        var db = services.GetRequiredService<SelectionListsDbContext>();
        var item = await db.Items.FirstOrDefaultAsync(i => i.EntityId == entityId && i.StatusId == id, cancellationToken);
        if (item is null)
        {
            return new ItemPayload(null, [UserError.At(ErrorCodes.NotFound, $"The list {entityId} has no item '{id}'.", "id")]);
        }

        var list = (await FindListAsync(services, entityId, cancellationToken))!;
        var errors = new List<UserError>();
        if (input.TryGetValue("name", out var name))
        {
            item.Name = (name as string)?.Trim() ?? "";
        }

        if (item.System && input.TryGetValue("semantics", out var semantics) && semantics is ListItemSemantics s && s != item.Semantics)
        {
            errors.Add(UserError.At(ErrorCodes.Validation, "The semantics of a system item cannot change.", "input", "semantics"));
        }

        Apply(item, input, list, errors);
        if (errors.Count > 0)
        {
            return new ItemPayload(null, errors);
        }

        await db.SaveChangesAsync(cancellationToken);
        Store(services).Invalidate();
        return new ItemPayload(item.ToPublic(), []);
    }

    /// <summary>Applies and checks the fields shared by add and update.</summary>
    private static void Apply(ListItem item, IReadOnlyDictionary<string, object?> input, SelectionList list, List<UserError> errors)
    {
        if (item.Name.Length is 0 or > 100)
        {
            errors.Add(UserError.At(item.Name.Length == 0 ? ErrorCodes.Required : ErrorCodes.TooLong, "'name' must be 1 to 100 characters.", "input", "name"));
        }

        if (input.TryGetValue("sort", out var sort) && sort is int position)
        {
            item.Sort = position;
        }

        if (input.TryGetValue("color", out var color))
        {
            if (color is string text && !ColorPattern().IsMatch(text))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidFormat, $"'{text}' is not a colour; use #RRGGBB.", "input", "color"));
            }

            item.Color = color as string;
        }

        if (input.TryGetValue("semantics", out var semantics) && semantics is ListItemSemantics meaning)
        {
            if (!DefaultLists.HasSemantics(item.EntityId))
            {
                errors.Add(UserError.At(ErrorCodes.Validation, $"Items of {item.EntityId} have no semantics; only statuses and stages do.", "input", "semantics"));
            }
            else if (meaning == ListItemSemantics.Success && list.Items.Any(i => i.Semantics == ListItemSemantics.Success && i.Id != item.StatusId))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The list {item.EntityId} already has its success item.", "input", "semantics"));
            }

            item.Semantics = meaning;
        }

        if (input.TryGetValue("probability", out var probability) && probability is not null)
        {
            if (!DefaultLists.IsStageList(item.EntityId))
            {
                errors.Add(UserError.At(ErrorCodes.Validation, "Only deal stages have a probability.", "input", "probability"));
            }
            else if (probability is not int percent || percent is < 0 or > 100)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, "'probability' must be 0 to 100.", "input", "probability"));
            }
            else
            {
                item.Probability = percent;
            }
        }
    }

    private static async Task<RemovePayload> RemoveAsync(IServiceProvider services, string entityId, string id, string? moveTo, CancellationToken cancellationToken)
    {
        if (RefuseUnlessAllowed(services) is { } forbidden)
        {
            return new RemovePayload(null, 0, [forbidden]);
        }

        var db = services.GetRequiredService<SelectionListsDbContext>();
        var item = await db.Items.FirstOrDefaultAsync(i => i.EntityId == entityId && i.StatusId == id, cancellationToken);
        if (item is null)
        {
            return new RemovePayload(null, 0, [UserError.At(ErrorCodes.NotFound, $"The list {entityId} has no item '{id}'.", "id")]);
        }

        if (item.System)
        {
            return new RemovePayload(null, 0, [UserError.At(ErrorCodes.Validation, $"'{id}' is a system item of {entityId} and cannot be removed.", "id")]);
        }

        var definitions = services.GetRequiredService<IEntityRegistry>().Types.OfType<ICrmEntityDefinition>()
            .Where(d => d.Fields.Values.Any(f => f.UsesList(entityId))).ToList();
        var inUse = 0;
        foreach (var definition in definitions)
        {
            inUse += await definition.CountListValueAsync(services, entityId, id, cancellationToken);
        }

        if (inUse > 0 && moveTo is null)
        {
            return new RemovePayload(null, 0, [UserError.At("IN_USE",
                $"{inUse.ToString(CultureInfo.InvariantCulture)} record(s) hold '{id}'; name the item to move them to in 'moveTo'.", "moveTo")]);
        }

        if (moveTo is not null && (moveTo == id || !await db.Items.AnyAsync(i => i.EntityId == entityId && i.StatusId == moveTo, cancellationToken)))
        {
            return new RemovePayload(null, 0, [UserError.At(ErrorCodes.InvalidValue, $"'{moveTo}' is not another item of {entityId}.", "moveTo")]);
        }

        // The move and the removal are one change: both happen, or neither.
        var moved = await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            var count = 0;
            if (moveTo is not null)
            {
                foreach (var definition in definitions)
                {
                    count += await definition.ReplaceListValueAsync(services, entityId, id, moveTo, cancellationToken);
                }
            }

            db.Items.Remove(item);
            await db.SaveChangesAsync(cancellationToken);
            return count;
        }, cancellationToken: cancellationToken);
        Store(services).Invalidate();
        return new RemovePayload(id, moved, []);
    }

    private static async Task<ListPayload> ReorderAsync(IServiceProvider services, string entityId, List<string> ids, CancellationToken cancellationToken)
    {
        if (RefuseUnlessAllowed(services) is { } forbidden)
        {
            return new ListPayload(null, [forbidden]);
        }

        var db = services.GetRequiredService<SelectionListsDbContext>();
        var items = await db.Items.Where(i => i.EntityId == entityId).ToListAsync(cancellationToken);
        if (items.Count == 0)
        {
            return new ListPayload(null, [UserError.At(ErrorCodes.NotFound, $"There is no selection list '{entityId}'.", "entityId")]);
        }

        if (ids.Count != items.Count || ids.Distinct().Count() != ids.Count || ids.Any(id => items.All(i => i.StatusId != id)))
        {
            return new ListPayload(null, [UserError.At(ErrorCodes.InvalidValue, $"'ids' must name every item of {entityId} exactly once.", "ids")]);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            items.First(item => item.StatusId == ids[i]).Sort = (i + 1) * 10;
        }

        await db.SaveChangesAsync(cancellationToken);
        Store(services).Invalidate();
        return new ListPayload(await FindListAsync(services, entityId, cancellationToken), []);
    }

    /// <summary>Stage ids of pipeline n start with "Cn:", as in Bitrix24; the default pipeline's have none.</summary>
    public static string StagePrefix(string entityId) =>
        DefaultLists.IsStageList(entityId) && entityId != DefaultLists.DealStage ? $"C{entityId[(DefaultLists.DealStage.Length + 1)..]}:" : "";

    private static string MakeId(string name)
    {
        var id = NonIdCharacters().Replace(name.ToUpperInvariant(), "_").Trim('_');
        return id.Length == 0 ? "ITEM" : id[..Math.Min(id.Length, 40)];
    }

    [GeneratedRegex("^[A-Z0-9_]+(:[A-Z0-9_]+)?$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex ColorPattern();

    [GeneratedRegex("[^A-Z0-9]+")]
    private static partial Regex NonIdCharacters();
}
