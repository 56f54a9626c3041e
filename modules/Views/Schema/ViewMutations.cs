using System.Globalization;
using Crm.Modules.Views.Domain;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Schema;

/// <summary><c>createView</c>, <c>updateView</c>, <c>deleteView</c>, <c>setDefaultView</c>.</summary>
internal static class ViewMutations
{
    public static void Add(SchemaComposer composer, ObjectGraphType view, EnumerationGraphType kind, EnumerationGraphType sharing)
    {
        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        var payload = new ObjectGraphType { Name = "ViewPayload", Description = "The view as saved, or why not." };
        payload.AddField(new FieldType { Name = "view", ResolvedType = view, Resolver = new FuncFieldResolver<object?>(c => ((ViewPayload)c.Source!).View) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((ViewPayload)c.Source!).Errors) });
        var deleted = new ObjectGraphType { Name = "DeleteViewPayload", Description = "The id of the deleted view, or why not." };
        deleted.AddField(SharedGraphTypes.Field<DeleteViewPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture)));
        deleted.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((DeleteViewPayload)c.Source!).Errors) });

        var columnInput = new InputObjectGraphType { Name = "ViewColumnInput", Description = "A column of a view." };
        columnInput.AddField(new FieldType { Name = "field", Type = typeof(NonNullGraphType<StringGraphType>), Description = "A built-in or custom field of the type." });
        columnInput.AddField(new FieldType { Name = "width", Type = typeof(IntGraphType), Description = $"In pixels, {ViewLimits.MinColumnWidth} to {ViewLimits.MaxColumnWidth}." });
        var orderInput = new InputObjectGraphType { Name = "ViewOrderInput", Description = "A sort key of a view." };
        orderInput.AddField(new FieldType { Name = "field", Type = typeof(NonNullGraphType<StringGraphType>) });
        orderInput.AddField(new FieldType { Name = "direction", ResolvedType = composer.Types.SortEnum, Description = "ASC when left out." });

        var create = new InputObjectGraphType { Name = "CreateViewInput", Description = "A new view or saved filter, the caller's own." };
        create.AddField(new FieldType { Name = "entityType", Type = typeof(NonNullGraphType<StringGraphType>), Description = "The record type (contact, deal ...)." });
        create.AddField(new FieldType { Name = "kind", ResolvedType = kind, Description = "VIEW when left out; a FILTER holds a name and a filter only." });
        create.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>), Description = "At most Views:MaxNameLength characters (100)." });
        AddCommonFields(create, composer, columnInput, orderInput, sharing);
        var update = new InputObjectGraphType { Name = "UpdateViewInput", Description = "Changes to a view; fields left out keep their values, null clears them." };
        update.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        AddCommonFields(update, composer, columnInput, orderInput, sharing);

        composer.Mutation.AddField(new FieldType
        {
            Name = "createView",
            Description = "Saves a view or filter; a user owns at most Views:MaxPerUserAndType (100) of each record type.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(create)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await Editor(c).CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateView",
            Description = "Changes a view: its owner, or someone with the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(update)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                ? await Editor(c).UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                : new ViewPayload(null, [RecordIds.Invalid(c.GetArgument<object>("id"), "view", "id")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteView",
            Description = "Deletes a view, its shares and the defaults naming it: its owner, or someone with the settings right.",
            ResolvedType = new NonNullGraphType(deleted),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                ? await Editor(c).DeleteAsync(id, c.CancellationToken)
                : new DeleteViewPayload(null, [RecordIds.Invalid(c.GetArgument<object>("id"), "view", "id")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "setDefaultView",
            Description = "Makes a view the caller's default of its type (viewId null: none). With forEveryone (the settings right, a view shared with everyone): the default of everyone who has not set their own.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityType" },
                new QueryArgument<IdGraphType> { Name = "viewId" },
                new QueryArgument<BooleanGraphType> { Name = "forEveryone", DefaultValue = false }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var value = c.GetArgument<object?>("viewId");
                if (value is not null && !RecordIds.TryParse(value, out _))
                {
                    return new ViewPayload(null, [RecordIds.Invalid(value, "view", "viewId")]);
                }

                long? viewId = value is null ? null : RecordIds.Parse(value, "viewId", "view");
                return await Editor(c).SetDefaultAsync(c.GetArgument<string>("entityType"), viewId, c.GetArgument<bool>("forEveryone"), c.CancellationToken);
            }),
        });
    }

    private static void AddCommonFields(InputObjectGraphType input, SchemaComposer composer, IGraphType column, IGraphType order, IGraphType sharing)
    {
        input.AddField(new FieldType { Name = "columns", ResolvedType = new ListGraphType(new NonNullGraphType(column)), Description = "In order; at most Views:MaxColumns (100)." });
        input.AddField(new FieldType { Name = "order", ResolvedType = new ListGraphType(new NonNullGraphType(order)), Description = $"At most {ViewInput.MaxOrderKeys} keys." });
        input.AddField(new FieldType { Name = "filter", ResolvedType = composer.Types.Json, Description = "The list's 'where' as JSON: checked as the list checks it (fields, operators, Limits:MaxFilterTerms and MaxFilterValues)." });
        input.AddField(new FieldType { Name = "pageSize", Type = typeof(IntGraphType), Description = "1 to Limits:MaxPageSize." });
        input.AddField(new FieldType { Name = "sharing", ResolvedType = sharing, Description = "PRIVATE when a view is created without it." });
        input.AddField(new FieldType { Name = "departmentId", Type = typeof(IdGraphType), Description = "With sharing DEPARTMENT." });
        input.AddField(new FieldType { Name = "withSubdepartments", Type = typeof(BooleanGraphType), Description = "With sharing DEPARTMENT: the departments below it too." });
        input.AddField(new FieldType { Name = "userIds", Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>), Description = "With sharing USERS; at most Views:MaxSharedUsers (200)." });
    }

    private static ViewEditor Editor(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<ViewEditor>();
}
