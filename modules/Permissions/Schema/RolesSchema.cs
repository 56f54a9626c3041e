using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Roles;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Modules.Permissions.Schema.PermissionGraphTypes;

namespace Crm.Modules.Permissions.Schema;

/// <summary><c>roles</c>, <c>createRole</c>, <c>updateRole</c>, <c>deleteRole</c>, <c>assignRole</c>, <c>unassignRole</c>.</summary>
public sealed class RolesSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var role = Role(composer);
        composer.Query.AddField(new FieldType
        {
            Name = "roles",
            Description = "Every role, with its permissions and to whom it is given.",
            ResolvedType = SchemaComposer.NonNullList(role),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                UsersSchema.RequireSignIn(c);
                return await Reader(c).RolesAsync(null, c.CancellationToken);
            }),
        });

        var createInput = new InputObjectGraphType { Name = "CreateRoleInput", Description = "A new role." };
        createInput.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>), Description = "Unique." });
        var updateInput = new InputObjectGraphType { Name = "UpdateRoleInput", Description = "Changes to a role; fields left out keep their values." };
        updateInput.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        foreach (var input in new[] { createInput, updateInput })
        {
            input.AddField(new FieldType
            {
                Name = "permissions",
                ResolvedType = new ListGraphType(new NonNullGraphType(PermissionInput(composer))),
                Description = "The levels the role grants (on update, the whole new list); what is not named is NONE.",
            });
            input.AddField(new FieldType { Name = "canConfigure", Type = typeof(BooleanGraphType), Description = "The settings right (false when left out on create)." });
        }

        var payload = Payload<RolePayload>(composer, "RolePayload", "role", role, p => p.Role, p => p.Errors);
        composer.Mutation.AddField(new FieldType
        {
            Name = "createRole",
            Description = "Adds a role. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Editor(c).CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateRole",
            Description = "Changes a role; its holders' rights change with the next request. Needs the settings right, and a role you hold only an administrator can change.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await Editor(c).UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                    : new RolePayload(null, [InvalidId(c, "id", "role")])),
        });

        var deletePayload = DeletedPayload(composer, "DeleteRolePayload", "The outcome of deleting a role.");
        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteRole",
            Description = "Deletes a role and takes it from everyone it was given to. Needs the settings right.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await Editor(c).DeleteAsync(id, c.CancellationToken)
                    : new DeletePayload(null, [InvalidId(c, "id", "role")])),
        });

        foreach (var (name, assign) in new[] { ("assignRole", true), ("unassignRole", false) })
        {
            composer.Mutation.AddField(new FieldType
            {
                Name = name,
                Description = assign
                    ? "Gives a role to exactly one of a user, a department (withSubdepartments: also to every department below it) or a group. Needs the settings right; nobody but an administrator gives a role they hold or gives one to themselves."
                    : "Takes a role from a user, a department (as it was given: with or without subdepartments) or a group. Needs the settings right; nobody but an administrator takes a role they hold.",
                ResolvedType = new NonNullGraphType(payload),
                Arguments = new QueryArguments(
                    new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "roleId" },
                    new QueryArgument<IdGraphType> { Name = "userId" },
                    new QueryArgument<IdGraphType> { Name = "departmentId" },
                    new QueryArgument<IdGraphType> { Name = "groupId" },
                    new QueryArgument<BooleanGraphType> { Name = "withSubdepartments", DefaultValue = false }),
                Resolver = new FuncFieldResolver<object?>(async c =>
                {
                    if (!TryId(c, "roleId", out var roleId))
                    {
                        return new RolePayload(null, [InvalidId(c, "roleId", "role")]);
                    }

                    long? Holder(string argument, out UserError? error)
                    {
                        error = null;
                        if (c.GetArgument<object?>(argument) is not { } value)
                        {
                            return null;
                        }

                        if (RecordIds.TryParse(value, out var id))
                        {
                            return id;
                        }

                        error = InvalidId(c, argument, argument[..^2]);
                        return null;
                    }

                    var user = Holder("userId", out var e1);
                    var department = Holder("departmentId", out var e2);
                    var group = Holder("groupId", out var e3);
                    if ((e1 ?? e2 ?? e3) is { } invalid)
                    {
                        return new RolePayload(null, [invalid]);
                    }

                    return await Editor(c).AssignAsync(roleId, new RoleHolder(user, department, group, c.GetArgument<bool>("withSubdepartments")), assign, c.CancellationToken);
                }),
            });
        }
    }

    private static RoleEditor Editor(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<RoleEditor>();
}
