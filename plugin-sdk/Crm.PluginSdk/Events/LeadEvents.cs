namespace Crm.PluginSdk.Events;

/// <summary>
/// A lead was converted (published by the Leads module, in the conversion's transaction): the
/// contact, company and deal it became or was linked to (null where the conversion made none).
/// Each new record has its own <see cref="RecordCreated"/> too.
/// </summary>
[EventContract(TypeName, 1)]
public sealed record LeadConverted(long LeadId, long? ContactId, long? CompanyId, long? DealId) : CrmEvent
{
    public const string TypeName = "lead.converted";

    public override EventSubject GetSubject() => new("lead", LeadId);
}
