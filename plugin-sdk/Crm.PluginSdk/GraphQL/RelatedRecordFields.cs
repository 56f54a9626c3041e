using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.DataLoader;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// What the data model declares beyond a type's own fields: the records that name a record
/// (back-references) and the users behind user ids, each loaded in batches.
/// </summary>
internal sealed class RelatedRecordFields(IServiceProvider rootServices, SharedGraphTypes types, QueryLimits limits)
{
    private const string UserLoader = "users";

    /// <summary>
    /// <c>Company.deals</c> from deals' <c>companyId</c>: the records of <paramref name="definition"/>
    /// that name the parent, at most <c>first</c> of them per parent, oldest first, in one statement
    /// per level whatever the page size; only those the reader may read.
    /// </summary>
    public void AddBackReference(ICrmEntityDefinition definition, ObjectGraphType type, EntityField field, ObjectGraphType referenced)
    {
        if (field.BackReferenceField is not { } name)
        {
            return;
        }

        referenced.AddField(new FieldType
        {
            Name = name,
            Description = $"The {definition.PluralName} whose '{field.Name}' names this {field.ReferenceType}, oldest first: the first 'first' of them "
                + $"(default {limits.DefaultPageSize}, at most {limits.MaxPageSize}); for more, page through {definition.PluralName}(where: {{ {field.Name}: {{ eq: ... }} }}).",
            ResolvedType = SchemaComposer.NonNullList(type),
            Arguments = new QueryArguments(new QueryArgument<IntGraphType> { Name = "first", Description = $"How many (default {limits.DefaultPageSize}, at most {limits.MaxPageSize})." }),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var first = limits.PageSize(context.GetArgument<int?>("first"));

                var services = context.RequestServices!;
                var projection = SelectedColumns.OfRecord(context);
                // One loader per field, page size and selection: each gathers the parents of a level.
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, object[]>(
                    $"backref:{definition.Name}.{field.Name}:{first.ToString(CultureInfo.InvariantCulture)}:{projection?.Key}",
                    async (ids, ct) => (await definition.LoadReferringAsync(services, field.Name, ids, first, projection, ct)).ToDictionary(g => g.Key, g => g.ToArray()));
                return new ChainedResult<object[]?>(loader.Load(((Records.ICrmRecord)context.Source!).Id), records => records ?? []);
            }),
        }.Reads(nameof(Records.ICrmRecord.Id)));
    }

    private readonly List<Action<IGraphType>> _userFieldsOfModules = [];

    /// <summary>Keeps a module's user field for <see cref="AddUserFields"/>, when the <c>User</c> type is known.</summary>
    public void AddUserField<TSource>(IComplexGraphType type, string name, string description, Func<TSource, long?> userId) =>
        _userFieldsOfModules.Add(userType => type.AddField(new FieldType
        {
            Name = name,
            Description = description,
            ResolvedType = userType,
            Resolver = new FuncFieldResolver<object?>(context =>
                userId((TSource)context.Source!) is { } id ? Users(context).Load(id) : null),
        }));

    /// <summary>Keeps a module's list-of-users field for <see cref="AddUserFields"/>: the users that exist, in the order given.</summary>
    public void AddUsersField<TSource>(IComplexGraphType type, string name, string description, Func<TSource, IEnumerable<long>> userIds) =>
        _userFieldsOfModules.Add(userType => type.AddField(new FieldType
        {
            Name = name,
            Description = description,
            ResolvedType = SchemaComposer.NonNullList(userType),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var users = Users(context);
                return new AllLoaded(userIds((TSource)context.Source!).Distinct().Select(users.Load).ToList());
            }),
        }));

    /// <summary>The request's one loader of users: every user field of a level shares its batch.</summary>
    private static BatchLoader<long, object> Users(IResolveFieldContext context)
    {
        var services = context.RequestServices!;
        return services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, object>(
            UserLoader, (ids, ct) => services.GetRequiredService<IUserDirectory>().LoadUsersAsync(ids, ct));
    }

    /// <summary>The values of several loads of one loader (fetched together, by the first), those that exist.</summary>
    private sealed class AllLoaded(IReadOnlyList<IDataLoaderResult<object?>> loads) : IDataLoaderResult
    {
        public async Task<object?> GetResultAsync(CancellationToken cancellationToken = default)
        {
            var values = new List<object>(loads.Count);
            foreach (var load in loads)
            {
                if (await load.GetResultAsync(cancellationToken) is { } value)
                {
                    values.Add(value);
                }
            }

            return values;
        }
    }

    /// <summary>
    /// <c>assignedBy</c>, <c>createdBy</c>, <c>updatedBy</c>: the user each user id names, loaded in
    /// one batch per level from the module that keeps users, as its <c>User</c> type shows them.
    /// Added once the contributors ran, when that type is part of the schema.
    /// </summary>
    public void AddUserFields(IReadOnlyList<ICrmEntityDefinition> definitions, CustomFieldSnapshot customFields, Func<string, ObjectGraphType?> entityType)
    {
        if (!types.TryGet(IUserDirectory.GraphTypeName, out var userType)
            || rootServices.GetService<IServiceProviderIsService>()?.IsService(typeof(IUserDirectory)) != true)
        {
            return;
        }

        foreach (var add in _userFieldsOfModules)
        {
            add(userType);
        }

        foreach (var definition in definitions)
        {
            if (entityType(definition.Name) is not { } type)
            {
                continue;
            }

            foreach (var field in definition.FieldsFor(customFields).Values.Where(f => f.UserField is not null))
            {
                type.AddField(new FieldType
                {
                    Name = field.UserField!,
                    Description = $"The user that '{field.Name}' names; null when there is none.",
                    ResolvedType = userType,
                    Resolver = new FuncFieldResolver<object?>(context =>
                    {
                        if (field.Get(context.Source!) is not { } value)
                        {
                            return null;
                        }

                        return Users(context).Load(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    }),
                }.Reads(field.Property.Name));
            }
        }
    }
}
