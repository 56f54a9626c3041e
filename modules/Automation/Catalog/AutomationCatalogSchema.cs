using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Catalog;

/// <summary>
/// <c>automationCatalog { triggers actions }</c>: every trigger and action kind with its parameter
/// schema and the record types it applies to, for whoever has the settings right (who edits rules).
/// </summary>
public sealed class AutomationCatalogSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var catalog = composer.RootServices.GetRequiredService<AutomationCatalog>();
        // Only the types of this schema: a module left out of it has no kinds to offer on its types.
        var recordTypes = composer.Registry.Types.OfType<ICrmEntityDefinition>().Where(t => composer.HasEntityType(t.Name)).ToList();
        var parameter = ParameterType(composer);
        var trigger = new ObjectGraphType { Name = "AutomationTriggerKind", Description = "What can start a rule." };
        AddKindFields(trigger, composer, parameter, recordTypes);
        var firing = AutomationGraphTypes.Enum<TriggerFiring>("AutomationTriggerFiring", "What starts a trigger's runs.");
        trigger.AddField(new FieldType { Name = "firing", ResolvedType = new NonNullGraphType(firing), Resolver = new FuncFieldResolver<object?>(c => ((IAutomationTriggerKind)c.Source!).Firing) });
        trigger.AddField(new FieldType
        {
            Name = "eventTypes",
            Description = "The published event types an EVENT trigger listens to (record.updated ...); empty for the others.",
            ResolvedType = SchemaComposer.NonNullList(new StringGraphType()),
            Resolver = new FuncFieldResolver<object?>(c => ((IAutomationTriggerKind)c.Source!).EventTypes),
        });

        var action = new ObjectGraphType { Name = "AutomationActionKind", Description = "What a rule can do." };
        AddKindFields(action, composer, parameter, recordTypes);
        action.AddField(new FieldType
        {
            Name = "hasExternalEffects",
            Description = "Whether it acts outside the CRM's database (an HTTP call): a dry run reports such an effect without causing it.",
            ResolvedType = new NonNullGraphType(new BooleanGraphType()),
            Resolver = new FuncFieldResolver<object?>(c => ((IAutomationActionKind)c.Source!).HasExternalEffects),
        });

        var catalogType = new ObjectGraphType { Name = "AutomationCatalog", Description = "Every trigger and action kind of the platform and its modules, for building a rule editor." };
        catalogType.AddField(new FieldType { Name = "triggers", ResolvedType = SchemaComposer.NonNullList(trigger), Resolver = new FuncFieldResolver<object?>(_ => catalog.Triggers) });
        catalogType.AddField(new FieldType { Name = "actions", ResolvedType = SchemaComposer.NonNullList(action), Resolver = new FuncFieldResolver<object?>(_ => catalog.Actions) });
        composer.Query.AddField(new FieldType
        {
            Name = "automationCatalog",
            Description = "The trigger and action kinds rules are made of, with their parameters. Needs the settings right.",
            ResolvedType = new NonNullGraphType(catalogType),
            Resolver = new FuncFieldResolver<object?>(c => c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure
                ? catalog
                : throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading the automation catalog"))),
        });
    }

    private static void AddKindFields(ObjectGraphType type, SchemaComposer composer, IGraphType parameter, IReadOnlyList<ICrmEntityDefinition> recordTypes)
    {
        type.AddField(SharedGraphTypes.Field<IAutomationKind>("name", typeof(NonNullGraphType<StringGraphType>), k => k.Name, "The stable name rules store (records.setFields)."));
        type.AddField(SharedGraphTypes.Field<IAutomationKind>("description", typeof(NonNullGraphType<StringGraphType>), k => k.Description));
        type.AddField(new FieldType
        {
            Name = "appliesTo",
            Description = "The record types a rule may use it on.",
            ResolvedType = SchemaComposer.NonNullList(composer.Types.CrmEntityType),
            Resolver = new FuncFieldResolver<object?>(c => recordTypes.Where(((IAutomationKind)c.Source!).AppliesTo).Select(t => t.Name).ToList()),
        });
        type.AddField(new FieldType
        {
            Name = "parameters",
            Description = "Its parameters, in the order an editor shows them.",
            ResolvedType = SchemaComposer.NonNullList(parameter),
            Resolver = new FuncFieldResolver<object?>(c => ((IAutomationKind)c.Source!).Parameters),
        });
    }

    private static ObjectGraphType ParameterType(SchemaComposer composer)
    {
        var types = AutomationGraphTypes.Enum<Crm.PluginSdk.Automation.ParameterType>("AutomationParameterType", "What a parameter holds (see README, Automation).");
        var parameter = new ObjectGraphType { Name = "AutomationParameter", Description = "One parameter of a trigger or action kind: the key of the rule's JSON, what it holds and its limits." };
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("name", typeof(NonNullGraphType<StringGraphType>), p => p.Name));
        parameter.AddField(new FieldType { Name = "type", ResolvedType = new NonNullGraphType(types), Resolver = new FuncFieldResolver<object?>(c => ((AutomationParameter)c.Source!).Type) });
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("description", typeof(NonNullGraphType<StringGraphType>), p => p.Description));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("required", typeof(NonNullGraphType<BooleanGraphType>), p => p.Required));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("default", typeof(StringGraphType), p => p.Default?.ToJsonString(), "The value taken when a rule leaves it out, as JSON; null when none."));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("allowedValues", typeof(ListGraphType<NonNullGraphType<StringGraphType>>), p => p.AllowedValues, "The only values taken; null when any."));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("maxLength", typeof(IntGraphType), p => p.Type is Crm.PluginSdk.Automation.ParameterType.String or Crm.PluginSdk.Automation.ParameterType.Text or Crm.PluginSdk.Automation.ParameterType.Url or Crm.PluginSdk.Automation.ParameterType.StringList ? p.TextLimit : null, "The longest text (of each item, for a list)."));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("maxItems", typeof(IntGraphType), p => p.Type is Crm.PluginSdk.Automation.ParameterType.StringList or Crm.PluginSdk.Automation.ParameterType.UserList or Crm.PluginSdk.Automation.ParameterType.FieldValues ? p.ItemLimit : null, "The most items of a list, or fields of field values."));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("minimum", typeof(DecimalGraphType), p => p.Minimum));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("maximum", typeof(DecimalGraphType), p => p.Maximum));
        parameter.AddField(SharedGraphTypes.Field<AutomationParameter>("recordTypeFrom", typeof(StringGraphType), p => p.RecordTypeFrom, "For FIELD_VALUES: the ENTITY_TYPE parameter naming the type the values are for; null: the rule's record type."));
        return parameter;
    }
}
