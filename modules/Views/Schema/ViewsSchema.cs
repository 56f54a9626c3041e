using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Views.Domain;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Views;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Schema;

/// <summary>
/// <c>views</c>, <c>view</c>, <c>defaultView</c> and the mutations that save, share and delete views and
/// saved filters (one type, <c>View</c>, with a <c>kind</c>: the two share their sharing, limits and
/// <c>viewId:</c> on the lists, and a saved filter is a view holding a filter only).
/// </summary>
public sealed class ViewsSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var kind = new EnumerationGraphType { Name = "ViewKind", Description = "A view (columns, order, filter, page size) or a saved filter (a filter alone)." };
        kind.Add("VIEW", ViewKind.View, "A list's columns, order, filter and page size.");
        kind.Add("FILTER", ViewKind.Filter, "A saved filter: a name and a filter.");
        var sharing = new EnumerationGraphType { Name = "ViewSharing", Description = "Who besides its owner may use a view." };
        sharing.Add("PRIVATE", ViewSharing.Private, "Its owner alone.");
        sharing.Add("EVERYONE", ViewSharing.Everyone, "Every user.");
        sharing.Add("DEPARTMENT", ViewSharing.Department, "The people of departmentId, and of the departments below it when withSubdepartments.");
        sharing.Add("USERS", ViewSharing.Users, "The users of userIds.");

        var column = new ObjectGraphType { Name = "ViewColumn", Description = "A column of a view." };
        column.AddField(SharedGraphTypes.Field<ViewColumn>("field", typeof(NonNullGraphType<StringGraphType>), c => c.Field, "A built-in or custom field."));
        column.AddField(SharedGraphTypes.Field<ViewColumn>("width", typeof(IntGraphType), c => c.Width, "In pixels; null: the front end's choice."));
        var order = new ObjectGraphType { Name = "ViewOrder", Description = "A sort key of a view." };
        order.AddField(SharedGraphTypes.Field<(string Field, Crm.PluginSdk.Querying.SortDirection Direction)>("field", typeof(NonNullGraphType<StringGraphType>), o => o.Field));
        order.AddField(new FieldType { Name = "direction", ResolvedType = new NonNullGraphType(composer.Types.SortEnum), Resolver = new FuncFieldResolver<object?>(c => (((string, Crm.PluginSdk.Querying.SortDirection))c.Source!).Item2) });

        var view = new ObjectGraphType { Name = "View", Description = "A saved view or filter of a record type's list." };
        view.AddField(SharedGraphTypes.Field<SavedView>("id", typeof(NonNullGraphType<IdGraphType>), v => v.Id.ToString(CultureInfo.InvariantCulture)));
        view.AddField(SharedGraphTypes.Field<SavedView>("entityType", typeof(NonNullGraphType<StringGraphType>), v => v.EntityType));
        view.AddField(new FieldType { Name = "kind", ResolvedType = new NonNullGraphType(kind), Resolver = new FuncFieldResolver<object?>(c => ((SavedView)c.Source!).Kind) });
        view.AddField(SharedGraphTypes.Field<SavedView>("name", typeof(NonNullGraphType<StringGraphType>), v => v.Name));
        view.AddField(SharedGraphTypes.Field<SavedView>("ownerId", typeof(NonNullGraphType<IdGraphType>), v => v.OwnerId.ToString(CultureInfo.InvariantCulture)));
        view.AddField(new FieldType { Name = "columns", ResolvedType = SchemaComposer.NonNullList(column), Description = "As saved, in order.", Resolver = new FuncFieldResolver<object?>(c => ViewFields.ReadColumns(((SavedView)c.Source!).Columns)) });
        view.AddField(new FieldType { Name = "order", ResolvedType = SchemaComposer.NonNullList(order), Description = "As saved; the id breaks ties.", Resolver = new FuncFieldResolver<object?>(c => ViewFields.ReadOrder(((SavedView)c.Source!).Order)) });
        view.AddField(new FieldType { Name = "filter", ResolvedType = composer.Types.Json, Description = "As saved, in the list's 'where' grammar.", Resolver = new FuncFieldResolver<object?>(c => ((SavedView)c.Source!).Filter is { } f ? JsonNode.Parse(f) : null) });
        view.AddField(SharedGraphTypes.Field<SavedView>("pageSize", typeof(IntGraphType), v => v.PageSize));
        view.AddField(new FieldType { Name = "sharing", ResolvedType = new NonNullGraphType(sharing), Resolver = new FuncFieldResolver<object?>(c => ((SavedView)c.Source!).Sharing) });
        view.AddField(SharedGraphTypes.Field<SavedView>("departmentId", typeof(IdGraphType), v => v.DepartmentId?.ToString(CultureInfo.InvariantCulture)));
        view.AddField(SharedGraphTypes.Field<SavedView>("withSubdepartments", typeof(NonNullGraphType<BooleanGraphType>), v => v.WithSubdepartments));
        view.AddField(new FieldType
        {
            Name = "userIds",
            Description = "The users a view shared with chosen users is shared with; empty otherwise, and for anyone but its owner and those with the settings right.",
            ResolvedType = SchemaComposer.NonNullList(new IdGraphType()),
            Resolver = new FuncFieldResolver<object?>(async c => await Reader(c).SharedUsersAsync((SavedView)c.Source!, c.CancellationToken)),
        });
        view.AddField(new FieldType
        {
            Name = "canEdit",
            ResolvedType = new NonNullGraphType(new BooleanGraphType()),
            Description = "Whether the reader may change or delete it: its owner, or someone with the settings right.",
            Resolver = new FuncFieldResolver<object?>(c => c.RequestServices!.GetRequiredService<ViewAccess>().MayEdit((SavedView)c.Source!)),
        });
        view.AddField(new FieldType
        {
            Name = "warnings",
            ResolvedType = SchemaComposer.NonNullList(new StringGraphType()),
            Description = "What a list given this view leaves out now (a condition, sort key or column on a field deleted since), as the list's extensions.warnings says it.",
            Resolver = new FuncFieldResolver<object?>(c => Reader(c).Warnings((SavedView)c.Source!)),
        });
        view.AddField(SharedGraphTypes.Field<SavedView>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), v => v.CreatedAt));
        view.AddField(SharedGraphTypes.Field<SavedView>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), v => v.UpdatedAt));

        AddQueries(composer, view, kind);
        ViewMutations.Add(composer, view, kind, sharing);
    }

    private static void AddQueries(SchemaComposer composer, ObjectGraphType view, EnumerationGraphType kind)
    {
        composer.Query.AddField(new FieldType
        {
            Name = "views",
            Description = "The views and saved filters of a record type the reader may use (their own and those shared with them), by name.",
            ResolvedType = SchemaComposer.NonNullList(view),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityType", Description = "The record type (contact, deal ...)." },
                new QueryArgument(kind) { Name = "kind", Description = "Views or saved filters only; both when left out." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Reader(c).ListAsync(c.GetArgument<string>("entityType"), c.GetArgument<object?>("kind") as ViewKind?, c.CancellationToken)),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "view",
            Description = "One view or saved filter the reader may use; null when there is none such.",
            ResolvedType = view,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<ViewAccess>().FindVisibleAsync(null, RecordIds.Parse(c.GetArgument<object>("id"), "id", "view"), c.CancellationToken)),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "defaultView",
            Description = "The reader's default view of a record type: their own, else the one set for everyone; null when neither is set.",
            ResolvedType = view,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "entityType" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<ViewEditor>().DefaultAsync(c.GetArgument<string>("entityType"), c.CancellationToken)),
        });
    }

    private static ViewReader Reader(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<ViewReader>();
}
