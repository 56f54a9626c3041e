using System.Text.Json.Nodes;
using Crm.Modules.Leads.Domain;
using Crm.Modules.Leads.Schema;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;

namespace Crm.Modules.Leads.Automation;

/// <summary>
/// <c>leads.convert</c>: converts the run's lead as <c>convertLead</c> does (new records from what
/// the lead gives, all or nothing, with the run-as user's rights to update the lead and add each record).
/// </summary>
public sealed class ConvertLeadAction : IAutomationActionKind
{
    public string Name => "leads.convert";

    public string Description => "Converts the lead into a new contact, company and deal (those asked for), from what the lead gives.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("createContact", ParameterType.Boolean, "Create a contact from the lead's person.") { Default = true },
        new("createCompany", ParameterType.Boolean, "Create a company from the lead's company title.") { Default = false },
        new("createDeal", ParameterType.Boolean, "Create a deal from the lead, in the default pipeline on its first stage.") { Default = true },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => recordType.Name == LeadEntity.Name;

    public Task CheckAsync(ParameterCheck check, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (!Parameters.Any(p => check.Parameters.GetOrDefault<bool>(p.Name)))
        {
            errors.Add(new UserError(ErrorCodes.Validation, "Say what the lead becomes: createContact, createCompany or createDeal.", check.Path));
        }

        return Task.CompletedTask;
    }

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?> { ["createContact"] = context.Parameters.Get<bool>("createContact") };
        foreach (var (parameter, inputName) in new[] { ("createCompany", "createCompany"), ("createDeal", "createDeal") })
        {
            if (context.Parameters.Get<bool>(parameter))
            {
                // Everything from the lead: no field given in its place.
                input[inputName] = new Dictionary<string, object?>();
            }
        }

        var payload = await LeadConversionSchema.ConvertAsync(context.Services, context.Record.Id, input, cancellationToken);
        if (payload.Errors.Count > 0)
        {
            return ActionOutcome.Refused(payload.Errors);
        }

        var output = new JsonObject();
        var effects = new List<SideEffect> { new(SideEffectKind.Conversion, LeadEntity.Name, context.Record.Id) };
        foreach (var (type, record) in new[] { ("contact", payload.Contact), ("company", payload.Company), ("deal", payload.Deal) })
        {
            if (record is ICrmRecord created)
            {
                output[type + "Id"] = created.Id;
                effects.Add(new SideEffect(SideEffectKind.RecordCreated, type, created.Id));
            }
        }

        return ActionOutcome.Success(output, [.. effects]);
    }
}
