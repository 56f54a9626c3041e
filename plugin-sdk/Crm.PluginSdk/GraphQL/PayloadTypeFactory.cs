using System.Globalization;
using Crm.PluginSdk.Entities;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.PluginSdk.GraphQL;

/// <summary>What a record type's mutations return: the record as saved (or the id deleted), and the reasons a write was refused.</summary>
internal static class PayloadTypeFactory
{
    /// <summary><c>CreateDealPayload { deal errors }</c>, and the same for updates.</summary>
    public static ObjectGraphType Saved(ICrmEntityDefinition definition, ObjectGraphType type, string name, SharedGraphTypes types)
    {
        var payload = new ObjectGraphType { Name = name, Description = $"The {definition.Name} as saved, or the reasons it was not." };
        payload.AddField(new FieldType { Name = definition.Name, ResolvedType = type, Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(Errors(types));
        payload.AddField(new FieldType
        {
            Name = "duplicates",
            Description = "Records that look like this one (the same e-mail, phone, or name in the same company), as Duplicates:OnCreate has writes warn of them; empty when none.",
            ResolvedType = SchemaComposer.NonNullList(types.DuplicateWarning),
            Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Duplicates),
        });
        return payload;
    }

    /// <summary><c>DeleteDealPayload { deletedId errors }</c>.</summary>
    public static ObjectGraphType Deleted(ICrmEntityDefinition definition, SharedGraphTypes types)
    {
        var payload = new ObjectGraphType { Name = $"Delete{definition.GraphTypeName}Payload", Description = $"The outcome of deleting a {definition.Name}." };
        payload.AddField(SharedGraphTypes.Field<MutationPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture), "The id of the deleted record; null when refused."));
        payload.AddField(Errors(types));
        return payload;
    }

    private static FieldType Errors(SharedGraphTypes types) =>
        new() { Name = "errors", ResolvedType = SchemaComposer.NonNullList(types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) };
}
