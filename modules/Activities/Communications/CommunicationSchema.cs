using System.Globalization;
using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Activities.Communications;

/// <summary>
/// <c>Activity.communications</c> (one statement per level, and their records one statement per
/// type and level, each within the reader's rights) and the <c>communications</c> input of
/// createActivity and updateActivity.
/// </summary>
public sealed class CommunicationSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        if (!composer.HasEntityType(ActivityEntity.Name))
        {
            return;
        }

        var input = new InputObjectGraphType { Name = "ActivityCommunicationInput", Description = "A phone number or e-mail address an activity used, and optionally the record it belongs to." };
        input.AddField(new FieldType { Name = "type", Type = typeof(NonNullGraphType<StringGraphType>), Description = "PHONE or EMAIL." });
        input.AddField(new FieldType { Name = "value", Type = typeof(NonNullGraphType<StringGraphType>), Description = $"The number or address, checked as a contact's are; at most {ActivityLimits.CommunicationValueLength.ToString(CultureInfo.InvariantCulture)} characters." });
        input.AddField(new FieldType { Name = "entityType", ResolvedType = composer.Types.CrmEntityType, Description = "The type of the record it belongs to: one whose records hold contact points of that kind (a contact, a company, a lead ...). With entityId." });
        input.AddField(new FieldType { Name = "entityId", Type = typeof(IdGraphType), Description = "The record it belongs to, which you must be allowed to read. With entityType." });
        var description = $"The phone numbers and e-mail addresses used, in order (at most {ActivityLimits.MaxCommunications.ToString(CultureInfo.InvariantCulture)}); replaces the current list when given.";
        CreateInput(composer).AddField(new FieldType { Name = CommunicationInput.Name, ResolvedType = new ListGraphType(new NonNullGraphType(input)), Description = description });
        composer.UpdateInput(ActivityEntity.Name).AddField(new FieldType { Name = CommunicationInput.Name, ResolvedType = new ListGraphType(new NonNullGraphType(input)), Description = description });

        var output = new ObjectGraphType { Name = "ActivityCommunication", Description = "A phone number or e-mail address an activity used (Bitrix24's COMMUNICATIONS), and the record it belongs to." };
        output.AddField(SharedGraphTypes.Field<ActivityCommunication>("type", typeof(NonNullGraphType<StringGraphType>), c => c.Type, "PHONE or EMAIL."));
        output.AddField(SharedGraphTypes.Field<ActivityCommunication>("value", typeof(NonNullGraphType<StringGraphType>), c => c.Value));
        output.AddField(new FieldType
        {
            Name = "entityType",
            ResolvedType = composer.Types.CrmEntityType,
            Description = "The type of the record it belongs to; null when none was given or the record was deleted since.",
            Resolver = new FuncFieldResolver<object?>(c => ((ActivityCommunication)c.Source!).EntityType),
        });
        output.AddField(SharedGraphTypes.Field<ActivityCommunication>("entityId", typeof(IdGraphType), c => c.EntityId?.ToString(CultureInfo.InvariantCulture)));
        if (composer.RecordField<ActivityCommunication>("record", "The record it belongs to, when you may read it (else null).",
                c => c is { EntityType: { } type, EntityId: { } id } ? (type, id) : null) is { } record)
        {
            output.AddField(record);
        }

        composer.EntityType(ActivityEntity.Name).AddField(new FieldType
        {
            Name = CommunicationInput.Name,
            Description = "The phone numbers and e-mail addresses used, in order, each with the record it belongs to when known.",
            ResolvedType = SchemaComposer.NonNullList(output),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var services = context.RequestServices!;
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, ActivityCommunication[]>("activity:communications", async (ids, ct) =>
                {
                    var list = ids.ToList();
                    var rows = await services.GetRequiredService<ActivitiesDbContext>().Communications.AsNoTracking()
                        .Where(c => list.Contains(c.ActivityId)).OrderBy(c => c.ActivityId).ThenBy(c => c.Position).ToListAsync(ct);
                    return rows.GroupBy(c => c.ActivityId).ToDictionary(g => g.Key, g => g.ToArray());
                });
                return new ChainedResult<ActivityCommunication[]?>(loader.Load(((Activity)context.Source!).Id), rows => rows ?? []);
            }),
        });
    }

    private static InputObjectGraphType CreateInput(SchemaComposer composer)
    {
        var create = composer.Mutation.GetField("create" + composer.EntityType(ActivityEntity.Name).Name)
            ?? throw new InvalidOperationException("The activity type has no create mutation.");
        var argument = create.Arguments?.Find("input") ?? throw new InvalidOperationException("createActivity takes no input.");
        return (argument.ResolvedType is NonNullGraphType { ResolvedType: { } inner } ? inner : argument.ResolvedType) as InputObjectGraphType
            ?? throw new InvalidOperationException("createActivity's input is not an input object.");
    }
}
