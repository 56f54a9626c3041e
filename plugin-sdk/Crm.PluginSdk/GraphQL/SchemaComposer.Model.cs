using System.Globalization;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// What the data model declares beyond a type's own fields: the records that name a record
/// (back-references), the users behind user ids, and the former names of renamed fields.
/// </summary>
public sealed partial class SchemaComposer
{
    private const string UserLoader = "users";

    /// <summary>Declarations that can only be checked against the other modules fail the module's composition, with the reason.</summary>
    private void CheckDeclarations(ICrmEntityDefinition definition) => _ = definition.SearchLinkTargets(RootServices);

    /// <summary>The field under its former name, deprecated: same type, same resolver.</summary>
    private static void AddFormerName(IComplexGraphType container, EntityField field, FieldType current)
    {
        if (field.FormerName is { } former)
        {
            container.AddField(Deprecated(current, former, field.Name));
        }
    }

    /// <summary>The list item (or record) field under its former name, deprecated.</summary>
    private static void AddFormerObjectField(IComplexGraphType container, EntityField field, FieldType current)
    {
        if (field.FormerObjectField is { } former)
        {
            container.AddField(Deprecated(current, former, current.Name));
        }
    }

    private static FieldType Deprecated(FieldType current, string former, string replacement) => new()
    {
        Name = former,
        Type = current.Type,
        ResolvedType = current.ResolvedType,
        Resolver = current.Resolver,
        Arguments = current.Arguments,
        Description = current.Description,
        DeprecationReason = $"Use '{replacement}'.",
    };

    /// <summary>
    /// <c>Company.deals</c> from deals' <c>companyId</c>: the records of <paramref name="definition"/>
    /// that name the parent, at most <c>first</c> of them per parent, oldest first, in one statement
    /// per level whatever the page size; only those the reader may read.
    /// </summary>
    private void AddBackReference(ICrmEntityDefinition definition, ObjectGraphType type, EntityField field, ObjectGraphType referenced)
    {
        if (field.BackReferenceField is not { } name)
        {
            return;
        }

        var limits = Limits;
        referenced.AddField(new FieldType
        {
            Name = name,
            Description = $"The {definition.PluralName} whose '{field.Name}' names this {field.ReferenceType}, oldest first: the first 'first' of them "
                + $"(default {limits.DefaultPageSize}, at most {limits.MaxPageSize}); for more, page through {definition.PluralName}(where: {{ {field.Name}: {{ eq: ... }} }}).",
            ResolvedType = NonNullList(type),
            Arguments = new QueryArguments(new QueryArgument<IntGraphType> { Name = "first", Description = $"How many (default {limits.DefaultPageSize}, at most {limits.MaxPageSize})." }),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var first = context.GetArgument<int?>("first") ?? limits.DefaultPageSize;
                if (first < 0)
                {
                    throw ErrorCodes.Error(ErrorCodes.Validation, "'first' cannot be negative.");
                }

                if (first > limits.MaxPageSize)
                {
                    throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"Page size {first} exceeds the limit of {limits.MaxPageSize}.");
                }

                var services = context.RequestServices!;
                // One loader per field and page size: each gathers the parents of a level.
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, object[]>(
                    $"backref:{definition.Name}.{field.Name}:{first.ToString(CultureInfo.InvariantCulture)}",
                    async (ids, ct) => (await definition.LoadReferringAsync(services, field.Name, ids, first, ct)).ToDictionary(g => g.Key, g => g.ToArray()));
                return new ChainedResult<object[]?>(loader.Load(((Records.ICrmRecord)context.Source!).Id), records => records ?? []);
            }),
        });
    }

    /// <summary>
    /// <c>assignedBy</c>, <c>createdBy</c>, <c>updatedBy</c>: the user each user id names, loaded in
    /// one batch per level from the module that keeps users, as its <c>User</c> type shows them.
    /// Added once the contributors ran, when that type is part of the schema.
    /// </summary>
    private void AddUserFields(IReadOnlyList<ICrmEntityDefinition> definitions)
    {
        if (!Types.TryGet(IUserDirectory.GraphTypeName, out var userType)
            || RootServices.GetService<IServiceProviderIsService>()?.IsService(typeof(IUserDirectory)) != true)
        {
            return;
        }

        foreach (var definition in definitions.Where(d => _entityTypes.ContainsKey(d.Name)))
        {
            var type = _entityTypes[definition.Name];
            foreach (var field in definition.FieldsFor(CustomFields).Values.Where(f => f.UserField is not null))
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

                        var services = context.RequestServices!;
                        var users = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, object>(
                            UserLoader, (ids, ct) => services.GetRequiredService<IUserDirectory>().LoadUsersAsync(ids, ct));
                        return users.Load(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    }),
                });
            }
        }
    }
}
