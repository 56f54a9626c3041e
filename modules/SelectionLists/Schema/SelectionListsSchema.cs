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
public sealed class SelectionListsSchema : ISchemaContributor
{
    public sealed record ListPayload(SelectionListStore.SelectionList? List, IReadOnlyList<UserError> Errors);

    public void Contribute(SchemaComposer composer)
    {
        var item = composer.Types.SelectionListItem;
        var list = new ObjectGraphType { Name = "SelectionList", Description = "An admin-editable list of values (Bitrix24's crm.status)." };
        list.AddField(SharedGraphTypes.Field<SelectionListStore.SelectionList>("entityId", typeof(NonNullGraphType<StringGraphType>), l => l.EntityId));
        list.AddField(SharedGraphTypes.Field<SelectionListStore.SelectionList>("name", typeof(NonNullGraphType<StringGraphType>), l => l.Name));
        list.AddField(new FieldType { Name = "items", ResolvedType = SchemaComposer.NonNullList(item), Resolver = new FuncFieldResolver<object?>(c => ((SelectionListStore.SelectionList)c.Source!).Items) });

        composer.Query.AddField(new FieldType
        {
            Name = "selectionList",
            Description = "One selection list by its id (STATUS, SOURCE, DEAL_STAGE_1 ...).",
            ResolvedType = list,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var entityId = c.GetArgument<string>("entityId");
                return await Store(c.RequestServices!).FindListAsync(entityId, c.CancellationToken)
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
                return await Store(c.RequestServices!).ListsAsync(c.CancellationToken);
            }),
        });

        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        var itemPayload = new ObjectGraphType { Name = "SelectionListItemPayload", Description = "The item as saved, or why not." };
        itemPayload.AddField(new FieldType { Name = "item", ResolvedType = item, Resolver = new FuncFieldResolver<object?>(c => ((SelectionListEdit)c.Source!).Item) });
        itemPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((SelectionListEdit)c.Source!).Errors) });

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
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var input = c.GetArgument<Dictionary<string, object?>>("input");
                return await Store(c.RequestServices!).AddItemAsync((string)input["entityId"]!, input, c.CancellationToken);
            }),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateSelectionListItem",
            ResolvedType = new NonNullGraphType(itemPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await Store(c.RequestServices!).UpdateItemAsync(c.GetArgument<string>("entityId"), c.GetArgument<string>("id"),
                c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });

        var removePayload = new ObjectGraphType { Name = "RemoveSelectionListItemPayload", Description = "The outcome of removing a list item." };
        removePayload.AddField(SharedGraphTypes.Field<SelectionListEdit>("removedId", typeof(StringGraphType), p => p.Errors.Count == 0 ? p.Item?.Id : null));
        removePayload.AddField(SharedGraphTypes.Field<SelectionListEdit>("movedRecords", typeof(NonNullGraphType<IntGraphType>), p => p.MovedRecords, "How many records were moved to 'moveTo'."));
        removePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((SelectionListEdit)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "removeSelectionListItem",
            Description = "Removes a list item. Records that hold it must be moved to another item of the list: name it in 'moveTo'.",
            ResolvedType = new NonNullGraphType(removePayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "id" },
                new QueryArgument<StringGraphType> { Name = "moveTo" }),
            Resolver = new FuncFieldResolver<object?>(async c => await Store(c.RequestServices!).RemoveItemAsync(c.GetArgument<string>("entityId"), c.GetArgument<string>("id"),
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
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var entityId = c.GetArgument<string>("entityId");
                var store = Store(c.RequestServices!);
                var errors = await store.ReorderAsync(entityId, c.GetArgument<List<string>>("ids"), c.CancellationToken);
                return new ListPayload(errors.Count == 0 ? await store.FindListAsync(entityId, c.CancellationToken) : null, errors);
            }),
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
}
