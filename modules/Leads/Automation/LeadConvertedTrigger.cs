using Crm.Modules.Leads.Domain;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;

namespace Crm.Modules.Leads.Automation;

/// <summary><c>leads.converted</c>: a lead was converted (by a user, an integration or a rule).</summary>
public sealed class LeadConvertedTrigger : IAutomationTriggerKind
{
    public string Name => "leads.converted";

    public string Description => "A lead was converted into a contact, company or deal.";

    public IReadOnlyList<AutomationParameter> Parameters => [];

    public TriggerFiring Firing => TriggerFiring.Event;

    public IReadOnlyList<string> EventTypes { get; } = [LeadConverted.TypeName];

    public bool AppliesTo(ICrmEntityDefinition recordType) => recordType.Name == LeadEntity.Name;

    public bool Matches(DomainEvent<CrmEvent> domainEvent, string recordType, AutomationParameters parameters) =>
        domainEvent.Data is LeadConverted && recordType == LeadEntity.Name;
}
