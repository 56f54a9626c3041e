using Crm.Modules.Permissions.Preferences;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Modules.Permissions.Schema.PermissionGraphTypes;

namespace Crm.Modules.Permissions.Schema;

/// <summary><c>myPreferences</c> and <c>setMyPreference</c>: the signed-in user's own settings.</summary>
public sealed class PreferencesSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var preference = new ObjectGraphType { Name = "Preference", Description = "A setting the signed-in user keeps for themselves (a front end's list columns, an import's mapping)." };
        preference.AddField(SharedGraphTypes.Field<PreferenceView>("key", typeof(NonNullGraphType<StringGraphType>), p => p.Key));
        preference.AddField(new FieldType { Name = "value", ResolvedType = composer.Types.Json, Resolver = new FuncFieldResolver<object?>(c => ((PreferenceView)c.Source!).Value) });
        preference.AddField(SharedGraphTypes.Field<PreferenceView>("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), p => p.UpdatedAt));

        composer.Query.AddField(new FieldType
        {
            Name = "myPreferences",
            Description = $"The signed-in user's preferences with these keys, in their order (a key never set is left out); at most {MyPreferences.MaxKeysPerRead} keys. Needs no right.",
            ResolvedType = SchemaComposer.NonNullList(preference),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<ListGraphType<NonNullGraphType<StringGraphType>>>> { Name = "keys" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Service(c).ReadAsync(c.GetArgument<List<string>>("keys"), c.CancellationToken)),
        });

        var payload = Payload<PreferencePayload>(composer, "PreferencePayload", "preference", preference, p => p.Preference, p => p.Errors);
        composer.Mutation.AddField(new FieldType
        {
            Name = "setMyPreference",
            Description = $"Keeps a value under a key for the signed-in user, or removes the key when the value is null. Keys are 1 to {MyPreferences.MaxKeyLength} letters, digits, "
                + $"'.', '_', ':' or '-' (name the front end first: console.columns.DEAL); a value is at most {MyPreferences.MaxValueBytes} bytes of JSON; a user keeps at most "
                + $"{MyPreferences.MaxPreferencesPerUser} keys. Needs no right: each user reads and writes only their own.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "key" },
                new QueryArgument(composer.Types.Json) { Name = "value" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Service(c).SetAsync(c.GetArgument<string>("key"), c.GetArgument<object?>("value") as System.Text.Json.Nodes.JsonNode, c.CancellationToken)),
        });
    }

    private static MyPreferences Service(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<MyPreferences>();
}
