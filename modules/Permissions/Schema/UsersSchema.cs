using Crm.Modules.Permissions.Data;
using Crm.Modules.Permissions.Departments;
using Crm.Modules.Permissions.Groups;
using Crm.Modules.Permissions.Rights;
using Crm.Modules.Permissions.Users;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Modules.Permissions.Schema.PermissionGraphTypes;

namespace Crm.Modules.Permissions.Schema;

/// <summary>The caller and their effective rights.</summary>
public sealed record MeView(User User, AccessRights Rights, IReadOnlyList<PermissionEntry> Permissions);

/// <summary><c>me</c>, <c>users</c>, <c>user</c>, <c>createUser</c>, <c>updateUser</c>.</summary>
public sealed class UsersSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var user = User(composer);
        var known = composer.Types.CrmEntityType.Values.Select(v => (string)v.Value!).ToHashSet(StringComparer.Ordinal);

        var me = new ObjectGraphType { Name = "Me", Description = "The caller: who they are, where they sit, and what they may do." };
        me.AddField(SharedGraphTypes.Field<MeView>("id", typeof(NonNullGraphType<IdGraphType>), m => Id(m.User.Id)));
        me.AddField(SharedGraphTypes.Field<MeView>("email", typeof(NonNullGraphType<StringGraphType>), m => m.User.Email));
        me.AddField(SharedGraphTypes.Field<MeView>("name", typeof(NonNullGraphType<StringGraphType>), m => m.User.Name));
        me.AddField(SharedGraphTypes.Field<MeView>("lastName", typeof(StringGraphType), m => m.User.LastName));
        me.AddField(SharedGraphTypes.Field<MeView>("timeZone", typeof(NonNullGraphType<StringGraphType>), m => m.User.TimeZone));
        me.AddField(SharedGraphTypes.Field<MeView>("language", typeof(NonNullGraphType<StringGraphType>), m => m.User.Language));
        me.AddField(new FieldType
        {
            Name = "departments",
            ResolvedType = SchemaComposer.NonNullList(DepartmentRef(composer)),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).DepartmentsOf(((MeView)c.Source!).User.Id).ToList()),
        });
        me.AddField(new FieldType
        {
            Name = "groups",
            ResolvedType = SchemaComposer.NonNullList(GroupRef(composer)),
            Resolver = new FuncFieldResolver<object?>(async c => (await Reader(c).SnapshotAsync(c.CancellationToken)).GroupsOf(((MeView)c.Source!).User.Id).ToList()),
        });
        me.AddField(new FieldType
        {
            Name = "permissions",
            Description = "Every level above NONE the caller has, per record type, partition and action: the most permissive of their roles (an administrator has ALL on every type).",
            ResolvedType = SchemaComposer.NonNullList(Permission(composer)),
            Resolver = new FuncFieldResolver<object?>(c => ((MeView)c.Source!).Permissions),
        });
        me.AddField(SharedGraphTypes.Field<MeView>("canConfigure", typeof(NonNullGraphType<BooleanGraphType>), m => m.Rights.CanConfigure, "The settings right."));
        me.AddField(SharedGraphTypes.Field<MeView>("isAdministrator", typeof(NonNullGraphType<BooleanGraphType>), m => m.Rights.IsAdministrator));

        composer.Query.AddField(new FieldType
        {
            Name = "me",
            Description = "The caller, their departments and groups, and their effective permissions; null for a caller without a user.",
            ResolvedType = me,
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                if (services.GetRequiredService<ICurrentActor>().UserId is not { } userId)
                {
                    return null;
                }

                var found = await services.GetRequiredService<PermissionsDbContext>().Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, c.CancellationToken);
                var rights = await services.GetRequiredService<IAccessRightsProvider>().RightsAsync(userId, c.CancellationToken);
                if (found is null || rights is null)
                {
                    return null;
                }

                IEnumerable<PermissionEntry> permissions = rights.IsAdministrator
                    ? services.GetRequiredService<IEntityRegistry>().Types.Select(t => t.Name).Where(known.Contains)
                        .SelectMany(t => ActionsOf(services, t).Select(a => new PermissionEntry(t, null, a, PermissionLevel.All)))
                    : rights.Granted.Where(g => known.Contains(g.EntityType)).Select(g => new PermissionEntry(g.EntityType, g.Partition, g.Action, g.Level));
                return new MeView(found, rights, permissions
                    .OrderBy(p => p.EntityType, StringComparer.Ordinal).ThenBy(p => p.Partition, StringComparer.Ordinal)
                    .ThenBy(p => p.Action).ToList());
            }),
        });

        composer.Query.AddField(new FieldType
        {
            Name = "users",
            Description = "Users by id, a page at a time: pass the last id seen as 'after' for the next page.",
            ResolvedType = SchemaComposer.NonNullList(user),
            Arguments = new QueryArguments(
                new QueryArgument<IntGraphType> { Name = "first", Description = $"How many (default {composer.Limits.DefaultPageSize}, at most {composer.Limits.MaxPageSize})." },
                new QueryArgument<IdGraphType> { Name = "after", Description = "The id after which the page starts." },
                new QueryArgument<BooleanGraphType> { Name = "active", Description = "Only active (true) or only disabled (false) users." },
                new QueryArgument<StringGraphType>
                {
                    Name = "search",
                    Description = $"Only users whose name, last name or e-mail holds each word, ignoring case (at most {UserSearch.MaxWords} words; as long as Limits:MaxSearchLength allows).",
                }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                RequireSignIn(c);
                var first = c.GetArgument<int?>("first") ?? composer.Limits.DefaultPageSize;
                if (first < 0 || first > composer.Limits.MaxPageSize)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'first' must be between 0 and {composer.Limits.MaxPageSize}.");
                }

                var after = c.GetArgument<object?>("after") is { } a ? RecordIds.Parse(a, "after", "user") : 0;
                var active = c.GetArgument<bool?>("active");
                var search = c.GetArgument<string?>("search");
                if (search is not null && search.Length > composer.Limits.MaxSearchLength)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'search' is {search.Length} characters long; the limit is {composer.Limits.MaxSearchLength} (Limits:MaxSearchLength).");
                }

                var users = c.RequestServices!.GetRequiredService<PermissionsDbContext>().Users.AsNoTracking()
                    .Where(u => u.Id > after && (active == null || u.Active == active));
                return await UserSearch.Matching(users, search).OrderBy(u => u.Id).Take(first).ToListAsync(c.CancellationToken);
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "user",
            Description = "One user by id.",
            ResolvedType = user,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                RequireSignIn(c);
                var id = RecordIds.Parse(c.GetArgument<object>("id"), "id", "user");
                return await c.RequestServices!.GetRequiredService<PermissionsDbContext>().Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, c.CancellationToken)
                    ?? throw Refusals.NotFoundError("user", id);
            }),
        });

        var createInput = new InputObjectGraphType { Name = "CreateUserInput", Description = "A new user." };
        createInput.AddField(new FieldType { Name = "email", Type = typeof(NonNullGraphType<StringGraphType>), Description = "The login; unique, whatever the case." });
        createInput.AddField(new FieldType { Name = "password", Type = typeof(StringGraphType), Description = $"At least {SignIn.PasswordHasher.MinimumLength} characters; left out, the user cannot sign in with a password until one is set." });
        createInput.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>) });
        createInput.AddField(new FieldType { Name = "kind", ResolvedType = UserKindType(composer), Description = "PERSON when left out." });
        var updateInput = new InputObjectGraphType { Name = "UpdateUserInput", Description = "Changes to a user; fields left out keep their values." };
        updateInput.AddField(new FieldType { Name = "name", Type = typeof(StringGraphType) });
        updateInput.AddField(new FieldType { Name = "active", Type = typeof(BooleanGraphType), Description = "false disables the user and ends their sessions." });
        updateInput.AddField(new FieldType { Name = "password", Type = typeof(StringGraphType), Description = $"A new password, at least {SignIn.PasswordHasher.MinimumLength} characters." });
        foreach (var input in new[] { createInput, updateInput })
        {
            input.AddField(new FieldType { Name = "lastName", Type = typeof(StringGraphType) });
            input.AddField(new FieldType { Name = "departmentIds", Type = typeof(ListGraphType<NonNullGraphType<IdGraphType>>), Description = "The departments the user is in (on update, the whole new list)." });
            input.AddField(new FieldType { Name = "timeZone", Type = typeof(StringGraphType), Description = "An IANA time zone (UTC when left out on create)." });
            input.AddField(new FieldType { Name = "language", Type = typeof(StringGraphType), Description = "e.g. en, de, pt-br (en when left out on create)." });
        }

        var payload = Payload<UserPayload>(composer, "UserPayload", "user", user, p => p.User, p => p.Errors);
        composer.Mutation.AddField(new FieldType
        {
            Name = "createUser",
            Description = "Adds a user. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<UserEditor>().CreateAsync(c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateUser",
            Description = "Changes a user; active: false disables them and ends their sessions. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(updateInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                TryId(c, "id", out var id)
                    ? await c.RequestServices!.GetRequiredService<UserEditor>().UpdateAsync(id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)
                    : new UserPayload(null, [InvalidId(c, "id", "user")])),
        });
        composer.Mutation.AddField(new FieldType
        {
            Name = "updateMyLanguage",
            Description = $"Sets the signed-in user's own language (me.language): one of {string.Join(", ", OwnLanguage.Supported)}. Needs no settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "language" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<OwnLanguage>().SetAsync(c.GetArgument<string>("language"), c.CancellationToken)),
        });
    }

    /// <summary>Reading the directory needs a signed-in caller (not only a request let through anonymously).</summary>
    public static void RequireSignIn(IResolveFieldContext context)
    {
        if (!context.RequestServices!.GetRequiredService<ICurrentActor>().IsAuthenticated)
        {
            throw ErrorCodes.Error(ErrorCodes.Unauthenticated, "Sign in first.");
        }
    }

    /// <summary>The actions of a record type: the standard ones and those it declares.</summary>
    private static IEnumerable<PermissionAction> ActionsOf(IServiceProvider services, string entityType) =>
        (services.GetRequiredService<IEntityRegistry>().Find(entityType) as ICrmEntityDefinition)?.PermissionActions.Select(a => a.Action) ?? PermissionAction.Standard;
}
