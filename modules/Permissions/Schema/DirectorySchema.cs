using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Modules.Permissions.Schema.PermissionGraphTypes;

namespace Crm.Modules.Permissions.Schema;

/// <summary><c>departments</c>, <c>createDepartment</c>, <c>updateDepartment</c>, <c>deleteDepartment</c>, <c>groups</c>, <c>createGroup</c>, <c>updateGroup</c>, <c>deleteGroup</c>.</summary>
public sealed class DirectorySchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var department = Department(composer);
        composer.Query.AddField(new FieldType
        {
            Name = "departments",
            Description = "Every department (roots: parentId null), each with the departments right below it in 'children'.",
            ResolvedType = SchemaComposer.NonNullList(department),
            Arguments = new QueryArguments(new QueryArgument<BooleanGraphType> { Name = "rootsOnly", DefaultValue = false, Description = "Only the top of the tree (walk it down through 'children')." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                UsersSchema.RequireSignIn(c);
                var all = (await Reader(c).SnapshotAsync(c.CancellationToken)).Departments;
                return c.GetArgument<bool>("rootsOnly") ? all.Where(d => d.ParentId is null).ToList() : all;
            }),
        });

        var createDepartment = new InputObjectGraphType { Name = "CreateDepartmentInput", Description = "A new department." };
        createDepartment.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>) });
        var updateDepartment = new InputObjectGraphType { Name = "UpdateDepartmentInput", Description = "Changes to a department; fields left out keep their values, null clears." };
        updateDepartment.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        foreach (var input in new[] { createDepartment, updateDepartment })
        {
            input.AddField(new FieldType { Name = "parentId", Type = typeof(IdGraphType), Description = "The department above; null for the top. Never itself or one below it." });
            input.AddField(new FieldType { Name = "headId", Type = typeof(IdGraphType), Description = "The user heading it." });
            input.AddField(new FieldType { Name = "sort", Type = typeof(IntGraphType) });
        }

        var departmentPayload = Payload<DepartmentPayload>(composer, "DepartmentPayload", "department", department, p => p.Department, p => p.Errors);
        composer.Mutation.AddField(new FieldType
        {
            Name = "createDepartment",
            Description = "Adds a department. Needs the settings right.",
            ResolvedType = new NonNullGraphType(departmentPayload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createDepartment)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<DepartmentEditor>().CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateDepartment",
            Description = "Renames or moves a department, or changes its head (CYCLE when moved under itself). Needs the settings right.",
            ResolvedType = new NonNullGraphType(departmentPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateDepartment)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await c.RequestServices!.GetRequiredService<DepartmentEditor>().UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                    : new DepartmentPayload(null, [InvalidId(c, "id", "department")])),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteDepartment",
            Description = "Deletes a department nobody is in and no department is below (IN_USE otherwise: move them first); the roles given to it are taken back and views shared with it become their owners' own. Needs the settings right.",
            ResolvedType = new NonNullGraphType(DeletedPayload(composer, "DeleteDepartmentPayload", "The outcome of deleting a department.")),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await c.RequestServices!.GetRequiredService<DepartmentEditor>().DeleteAsync(id, c.CancellationToken)
                    : new DeletePayload(null, [InvalidId(c, "id", "department")])),
        });

        var group = Group(composer);
        composer.Query.AddField(new FieldType
        {
            Name = "groups",
            Description = "Every work group.",
            ResolvedType = SchemaComposer.NonNullList(group),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                UsersSchema.RequireSignIn(c);
                return (await Reader(c).SnapshotAsync(c.CancellationToken)).Groups;
            }),
        });
        var createGroup = new InputObjectGraphType { Name = "CreateGroupInput", Description = "A new work group." };
        createGroup.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>) });
        var updateGroup = new InputObjectGraphType { Name = "UpdateGroupInput", Description = "Changes to a group; fields left out keep their values." };
        updateGroup.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        foreach (var input in new[] { createGroup, updateGroup })
        {
            input.AddField(new FieldType { Name = "memberIds", Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>), Description = "The users in the group (on update, the whole new list)." });
        }

        var groupPayload = Payload<GroupPayload>(composer, "GroupPayload", "group", group, p => p.Group, p => p.Errors);
        composer.Mutation.AddField(new FieldType
        {
            Name = "createGroup",
            Description = "Adds a work group. Needs the settings right.",
            ResolvedType = new NonNullGraphType(groupPayload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createGroup)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<GroupEditor>().CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateGroup",
            Description = "Renames a group or changes its members. Needs the settings right.",
            ResolvedType = new NonNullGraphType(groupPayload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateGroup)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await c.RequestServices!.GetRequiredService<GroupEditor>().UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                    : new GroupPayload(null, [InvalidId(c, "id", "group")])),
        });

        var deletePayload = DeletedPayload(composer, "DeleteGroupPayload", "The outcome of deleting a group.");
        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteGroup",
            Description = "Deletes a work group: its members leave it and the roles given to it are taken back. Needs the settings right; a group you are in and hold roles through only an administrator can delete.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await c.RequestServices!.GetRequiredService<GroupEditor>().DeleteAsync(id, c.CancellationToken)
                    : new DeletePayload(null, [InvalidId(c, "id", "group")])),
        });
    }
}
