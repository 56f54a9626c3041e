using System.Globalization;
using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.Modules.Permissions.Roles;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Schema;

/// <summary>A level granted for an action on a record type (or one partition of it), as shown.</summary>
public sealed record PermissionEntry(string EntityType, string? Partition, PermissionAction Action, PermissionLevel Level);

/// <summary>
/// The GraphQL types the module's contributors share, made once per composed schema whichever
/// contributor asks first.
/// </summary>
public static class PermissionGraphTypes
{
    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    public static DirectoryReader Reader(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<DirectoryReader>();

    public static EnumerationGraphType Action(SchemaComposer composer) => composer.Types.GetOrAdd("PermissionAction", () =>
    {
        var type = new EnumerationGraphType { Name = "PermissionAction", Description = "What a permission is for: the actions of every record type, and those record types declare for themselves." };
        foreach (var action in PermissionAction.Standard)
        {
            type.Add(action.Name, action);
        }

        foreach (var declared in composer.Registry.Types.OfType<ICrmEntityDefinition>().SelectMany(t => t.PermissionActions.Select(a => (Type: t.Name, a.Action, a.Description))).Where(a => !a.Action.IsStandard)
                     .GroupBy(a => a.Action).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            type.Add(declared.Key.Name, declared.Key, string.Join(" ", declared.Select(d => $"{d.Type}: {d.Description}")));
        }

        return type;
    });

    public static EnumerationGraphType Level(SchemaComposer composer) => composer.Types.GetOrAdd("PermissionLevel", () =>
    {
        var type = new EnumerationGraphType { Name = "PermissionLevel", Description = "How far a permission reaches; each level includes those before it." };
        type.Add("NONE", PermissionLevel.None, "Nothing.");
        type.Add("OWN", PermissionLevel.Own, "Records assigned to me.");
        type.Add("DEPARTMENT", PermissionLevel.Department, "Records assigned to anyone in my departments.");
        type.Add("SUBDEPARTMENTS", PermissionLevel.Subdepartments, "Records assigned to anyone in my departments or any department below them.");
        type.Add("OPEN", PermissionLevel.Open, "Those, and every record marked opened.");
        type.Add("ALL", PermissionLevel.All, "Every record.");
        return type;
    });

    public static ObjectGraphType Permission(SchemaComposer composer) => composer.Types.GetOrAdd("Permission", () =>
    {
        var type = new ObjectGraphType { Name = "Permission", Description = "A level for an action on a record type, or on one partition of it (a deal pipeline)." };
        type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((PermissionEntry)c.Source!).EntityType) });
        type.AddField(SharedGraphTypes.Field<PermissionEntry>("partition", typeof(StringGraphType), p => p.Partition, "For deals, the pipeline id; null for the whole type."));
        type.AddField(new FieldType { Name = "action", ResolvedType = new NonNullGraphType(Action(composer)), Resolver = new FuncFieldResolver<object?>(c => ((PermissionEntry)c.Source!).Action) });
        type.AddField(new FieldType { Name = "level", ResolvedType = new NonNullGraphType(Level(composer)), Resolver = new FuncFieldResolver<object?>(c => ((PermissionEntry)c.Source!).Level) });
        return type;
    });

    public static InputObjectGraphType PermissionInput(SchemaComposer composer) => composer.Types.GetOrAdd("PermissionInput", () =>
    {
        var type = new InputObjectGraphType { Name = "PermissionInput", Description = "A level for an action on a record type, or on one partition of it." };
        type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(composer.Types.CrmEntityType) });
        type.AddField(new FieldType { Name = "partition", Type = typeof(StringGraphType), Description = "Where the type's rights differ by field: for deals the pipeline id (\"3\") or a pipeline's stage (\"3/C3:WON\", \"0/WON\"); for leads a status (\"JUNK\"). Leave out for the whole type; the most specific one a role names wins." });
        type.AddField(new FieldType { Name = "action", ResolvedType = new NonNullGraphType(Action(composer)) });
        type.AddField(new FieldType { Name = "level", ResolvedType = new NonNullGraphType(Level(composer)) });
        return type;
    });

    public static EnumerationGraphType UserKindType(SchemaComposer composer) => composer.Types.GetOrAdd("UserKind", () =>
    {
        var type = new EnumerationGraphType { Name = "UserKind", Description = "A person (signs in with a password) or an integration (uses API keys)." };
        type.Add("PERSON", UserKind.Person);
        type.Add("INTEGRATION", UserKind.Integration);
        return type;
    });

    public static ObjectGraphType DepartmentRef(SchemaComposer composer) => composer.Types.GetOrAdd("DepartmentRef", () =>
    {
        var type = new ObjectGraphType { Name = "DepartmentRef", Description = "A department, by id and name." };
        type.AddField(SharedGraphTypes.Field<Department>("id", typeof(NonNullGraphType<IdGraphType>), d => Id(d.Id)));
        type.AddField(SharedGraphTypes.Field<Department>("name", typeof(NonNullGraphType<StringGraphType>), d => d.Name));
        return type;
    });

    public static ObjectGraphType GroupRef(SchemaComposer composer) => composer.Types.GetOrAdd("GroupRef", () =>
    {
        var type = new ObjectGraphType { Name = "GroupRef", Description = "A group, by id and name." };
        type.AddField(SharedGraphTypes.Field<Group>("id", typeof(NonNullGraphType<IdGraphType>), g => Id(g.Id)));
        type.AddField(SharedGraphTypes.Field<Group>("name", typeof(NonNullGraphType<StringGraphType>), g => g.Name));
        return type;
    });

    public static ObjectGraphType User(SchemaComposer composer) => composer.Types.GetOrAdd("User", () =>
    {
        var type = new ObjectGraphType { Name = "User", Description = "An employee or an integration." };
        type.AddField(SharedGraphTypes.Field<User>("id", typeof(NonNullGraphType<IdGraphType>), u => Id(u.Id)));
        type.AddField(SharedGraphTypes.Field<User>("email", typeof(NonNullGraphType<StringGraphType>), u => u.Email, "The login."));
        type.AddField(SharedGraphTypes.Field<User>("name", typeof(NonNullGraphType<StringGraphType>), u => u.Name));
        type.AddField(SharedGraphTypes.Field<User>("lastName", typeof(StringGraphType), u => u.LastName));
        type.AddField(SharedGraphTypes.Field<User>("active", typeof(NonNullGraphType<BooleanGraphType>), u => u.Active, "A disabled user cannot sign in; their sessions and keys are refused."));
        type.AddField(SharedGraphTypes.Field<User>("timeZone", typeof(NonNullGraphType<StringGraphType>), u => u.TimeZone));
        type.AddField(SharedGraphTypes.Field<User>("language", typeof(NonNullGraphType<StringGraphType>), u => u.Language));
        type.AddField(new FieldType { Name = "kind", ResolvedType = new NonNullGraphType(UserKindType(composer)), Resolver = new FuncFieldResolver<object?>(c => ((User)c.Source!).Kind) });
        type.AddField(SharedGraphTypes.Field<User>("isAdministrator", typeof(NonNullGraphType<BooleanGraphType>), u => u.IsAdministrator));
        type.AddField(SharedGraphTypes.Field<User>("hasPassword", typeof(NonNullGraphType<BooleanGraphType>), u => u.PasswordHash is not null, "Whether the user can sign in with a password."));
        type.AddField(new FieldType
        {
            Name = "departments",
            ResolvedType = SchemaComposer.NonNullList(DepartmentRef(composer)),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).DepartmentsOf(((User)c.Source!).Id).ToList()),
        });
        type.AddField(new FieldType
        {
            Name = "groups",
            ResolvedType = SchemaComposer.NonNullList(GroupRef(composer)),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).GroupsOf(((User)c.Source!).Id).ToList()),
        });
        type.AddField(SharedGraphTypes.Field<User>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), u => u.CreatedAt));
        type.AddField(SharedGraphTypes.Field<User>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), u => u.UpdatedAt));
        return type;
    });

    public static ObjectGraphType Department(SchemaComposer composer) => composer.Types.GetOrAdd("Department", () =>
    {
        var type = new ObjectGraphType { Name = "Department", Description = "A department in the company's tree." };
        type.AddField(SharedGraphTypes.Field<Department>("id", typeof(NonNullGraphType<IdGraphType>), d => Id(d.Id)));
        type.AddField(SharedGraphTypes.Field<Department>("name", typeof(NonNullGraphType<StringGraphType>), d => d.Name));
        type.AddField(SharedGraphTypes.Field<Department>("parentId", typeof(IdGraphType), d => d.ParentId is { } p ? Id(p) : null, "The department above; null at the top."));
        type.AddField(SharedGraphTypes.Field<Department>("headId", typeof(IdGraphType), d => d.HeadId is { } h ? Id(h) : null, "The user who heads it."));
        type.AddField(SharedGraphTypes.Field<Department>("sort", typeof(NonNullGraphType<IntGraphType>), d => d.Sort));
        type.AddField(new FieldType
        {
            Name = "children",
            Description = "The departments right below.",
            ResolvedType = SchemaComposer.NonNullList(type),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).Children(((Department)c.Source!).Id).ToList()),
        });
        type.AddField(new FieldType
        {
            Name = "memberIds",
            Description = "The users in this department (not those below).",
            ResolvedType = SchemaComposer.NonNullList(new IdGraphType()),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).UsersOfDepartment[((Department)c.Source!).Id].Order().Select(Id).ToList()),
        });
        return type;
    });

    public static ObjectGraphType Group(SchemaComposer composer) => composer.Types.GetOrAdd("Group", () =>
    {
        var type = new ObjectGraphType { Name = "Group", Description = "A work group." };
        type.AddField(SharedGraphTypes.Field<Group>("id", typeof(NonNullGraphType<IdGraphType>), g => Id(g.Id)));
        type.AddField(SharedGraphTypes.Field<Group>("name", typeof(NonNullGraphType<StringGraphType>), g => g.Name));
        type.AddField(new FieldType
        {
            Name = "memberIds",
            ResolvedType = SchemaComposer.NonNullList(new IdGraphType()),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).MembersOfGroup[((Group)c.Source!).Id].Order().Select(Id).ToList()),
        });
        return type;
    });

    public static ObjectGraphType Role(SchemaComposer composer) => composer.Types.GetOrAdd("Role", () =>
    {
        var assignment = new ObjectGraphType { Name = "RoleAssignment", Description = "Whom a role is given to: one of a user, a department (with or without those below it), a group." };
        assignment.AddField(SharedGraphTypes.Field<RoleAssignment>("userId", typeof(IdGraphType), a => a.UserId is { } u ? Id(u) : null));
        assignment.AddField(SharedGraphTypes.Field<RoleAssignment>("departmentId", typeof(IdGraphType), a => a.DepartmentId is { } d ? Id(d) : null));
        assignment.AddField(SharedGraphTypes.Field<RoleAssignment>("withSubdepartments", typeof(NonNullGraphType<BooleanGraphType>), a => a.WithSubdepartments));
        assignment.AddField(SharedGraphTypes.Field<RoleAssignment>("groupId", typeof(IdGraphType), a => a.GroupId is { } g ? Id(g) : null));

        var type = new ObjectGraphType { Name = "Role", Description = "Permissions given together to users, departments and groups." };
        type.AddField(SharedGraphTypes.Field<RoleView>("id", typeof(NonNullGraphType<IdGraphType>), r => Id(r.Role.Id)));
        type.AddField(SharedGraphTypes.Field<RoleView>("name", typeof(NonNullGraphType<StringGraphType>), r => r.Role.Name));
        type.AddField(SharedGraphTypes.Field<RoleView>("canConfigure", typeof(NonNullGraphType<BooleanGraphType>), r => r.Role.CanConfigure, "The settings right: selection lists, pipelines, custom fields, automation, roles."));
        type.AddField(new FieldType
        {
            Name = "permissions",
            ResolvedType = SchemaComposer.NonNullList(Permission(composer)),
            Resolver = new FuncFieldResolver<object?>(c => ((RoleView)c.Source!).Permissions.Select(p => new PermissionEntry(p.EntityType, p.Partition, p.Action, p.Level)).ToList()),
        });
        type.AddField(new FieldType { Name = "assignments", ResolvedType = SchemaComposer.NonNullList(assignment), Resolver = new FuncFieldResolver<object?>(c => ((RoleView)c.Source!).Assignments) });
        return type;
    });

    /// <summary>A payload type: the object as saved (under <paramref name="field"/>), or the errors.</summary>
    public static ObjectGraphType Payload<TPayload>(SchemaComposer composer, string name, string field, IGraphType type, Func<TPayload, object?> value, Func<TPayload, IReadOnlyList<UserError>> errors) =>
        composer.Types.GetOrAdd(name, () =>
        {
            var payload = new ObjectGraphType { Name = name, Description = $"The {field} as saved, or why not." };
            payload.AddField(new FieldType { Name = field, ResolvedType = type, Resolver = new FuncFieldResolver<object?>(c => value((TPayload)c.Source!)) });
            payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => errors((TPayload)c.Source!)) });
            return payload;
        });

    /// <summary><c>{ deletedId errors }</c>, the answer of each delete here.</summary>
    public static ObjectGraphType DeletedPayload(SchemaComposer composer, string name, string description) =>
        composer.Types.GetOrAdd(name, () =>
        {
            var payload = new ObjectGraphType { Name = name, Description = description };
            payload.AddField(SharedGraphTypes.Field<DeletePayload>("deletedId", typeof(IdGraphType), p => p.DeletedId is { } d ? Id(d) : null));
            payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((DeletePayload)c.Source!).Errors) });
            return payload;
        });

    /// <summary>Parses an ID argument for a mutation, or says why not.</summary>
    public static bool TryId(IResolveFieldContext context, string argument, out long id) =>
        RecordIds.TryParse(context.GetArgument<object>(argument), out id);

    /// <summary>The refusal of an ID argument that is not an id.</summary>
    public static UserError InvalidId(IResolveFieldContext context, string argument, string what) =>
        RecordIds.Invalid(context.GetArgument<object>(argument), what, argument);
}
