using System.Text.Json.Nodes;
using System.Globalization;
using Crm.Modules.Leads.Data;
using Crm.Modules.Leads.Domain;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Leads.Schema;

/// <summary>
/// <c>convertLead</c>: in one transaction, creates (or links) a contact, a company and a deal from
/// a lead, copying what they share, and sets the lead's success status. The records are created
/// through the entity registry by their own modules' rules, so a conversion is refused for the
/// same reasons a direct create would be; any refusal leaves nothing behind.
/// </summary>
public sealed class LeadConversionSchema : ISchemaContributor
{
    public sealed record ConvertPayload(object? Lead, object? Contact, object? Company, object? Deal, IReadOnlyList<UserError> Errors);

    public void Contribute(SchemaComposer composer)
    {
        var registry = composer.Registry;
        var payload = new ObjectGraphType { Name = "ConvertLeadPayload", Description = "The lead and what it became, or why it was not converted." };
        payload.AddField(new FieldType { Name = "lead", ResolvedType = composer.EntityType(LeadEntity.Name), Resolver = new FuncFieldResolver<object?>(c => ((ConvertPayload)c.Source!).Lead) });
        foreach (var (name, pick) in new (string, Func<ConvertPayload, object?>)[] { ("contact", p => p.Contact), ("company", p => p.Company), ("deal", p => p.Deal) })
        {
            if (registry.Find(name) is not null)
            {
                payload.AddField(new FieldType { Name = name, ResolvedType = composer.EntityType(name), Resolver = new FuncFieldResolver<object?>(c => pick((ConvertPayload)c.Source!)) });
            }
        }

        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((ConvertPayload)c.Source!).Errors) });

        var input = new InputObjectGraphType { Name = "ConvertLeadInput", Description = "What the lead becomes: new records, existing ones, or both." };
        input.AddField(new FieldType { Name = "createContact", Type = typeof(BooleanGraphType), Description = "Create a contact from the lead's person." });
        input.AddField(new FieldType { Name = "contactId", Type = typeof(IdGraphType), Description = "Or link this existing contact." });
        if (registry.Find("company") is not null)
        {
            input.AddField(new FieldType
            {
                Name = "createCompany",
                ResolvedType = composer.UpdateInput("company"),
                Description = "Create a company from the lead: titled with the lead's company title, or the lead's title when it has none. Fields given here take the place of what the lead gives (`{}` takes everything from the lead).",
            });
        }

        input.AddField(new FieldType { Name = "companyId", Type = typeof(IdGraphType), Description = "Or link this existing company." });
        if (registry.Find("deal") is not null)
        {
            input.AddField(new FieldType
            {
                Name = "createDeal",
                ResolvedType = composer.UpdateInput("deal"),
                Description = "Create a deal from the lead: in pipeline 0 (or pipelineId) on its first stage (or stageId), titled as the lead. Fields given here take the place of what the lead gives.",
            });
        }

        composer.Mutation.AddField(new FieldType
        {
            Name = "convertLead",
            Description = "Converts a lead into a contact, a company and a deal (any of them, new or existing), all or nothing.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(input)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                if (!RecordIds.TryParse(c.GetArgument<object>("id"), out var id))
                {
                    return new ConvertPayload(null, null, null, null, [RecordIds.Invalid(c.GetArgument<object>("id"), "lead", "id")]);
                }

                return await ConvertAsync(c.RequestServices!, id, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken);
            }),
        });
    }

    /// <summary>Converts the lead as <c>convertLead</c> does (also for the automation action <c>leads.convert</c>).</summary>
    internal static async Task<ConvertPayload> ConvertAsync(IServiceProvider services, long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var createContact = input.GetValueOrDefault("createContact") is true;
        var companyInput = AsInput(input.GetValueOrDefault("createCompany"));
        var dealInput = AsInput(input.GetValueOrDefault("createDeal"));
        var errors = new List<UserError>();
        if (!createContact && companyInput is null && dealInput is null && !input.ContainsKey("contactId") && !input.ContainsKey("companyId"))
        {
            errors.Add(UserError.At(ErrorCodes.Validation, "Say what the lead becomes: createContact, contactId, createCompany, companyId or createDeal.", "input"));
        }

        if (createContact && input.GetValueOrDefault("contactId") is not null)
        {
            errors.Add(UserError.At(ErrorCodes.Validation, "Give createContact or contactId, not both.", "input", "contactId"));
        }

        if (companyInput is not null && input.GetValueOrDefault("companyId") is not null)
        {
            errors.Add(UserError.At(ErrorCodes.Validation, "Give createCompany or companyId, not both.", "input", "companyId"));
        }

        if (errors.Count > 0)
        {
            return new ConvertPayload(null, null, null, null, errors);
        }

        var db = services.GetRequiredService<LeadsDbContext>();
        var registry = services.GetRequiredService<IEntityRegistry>();
        var statuses = await services.GetRequiredService<ISelectionLists>().GetItemsAsync(LeadEntity.StatusList, cancellationToken);
        var success = statuses.First(s => s.Semantics == ListItemSemantics.Success);
        var session = services.GetRequiredService<CrmDatabaseSession>();
        var outcome = await session.InTransactionAsync(async () =>
        {
            // The lead is locked before its status is read: of concurrent conversions of one lead,
            // one converts it and the others then find it converted.
            await db.LockAsync<Lead>([id], RowLock.NoKeyUpdate, cancellationToken);
            // Converting changes the lead: it needs the right to update it (and, below, to add each target).
            var leads = (ICrmEntityDefinition)registry.Find(LeadEntity.Name)!;
            var lead = await leads.ReachesAsync(services, id, PermissionAction.Update, cancellationToken)
                ? await db.Leads.FirstOrDefaultAsync(l => l.Id == id, cancellationToken)
                : null;
            if (lead is null)
            {
                return Refused(leads.ReachesAll(services, PermissionAction.Update)
                    ? Refusals.NotFound("lead", id, "id")
                    : Refusals.Forbidden("convert", "lead", id, "id"));
            }

            switch (statuses.FirstOrDefault(s => s.Id == lead.StatusId)?.Semantics)
            {
                case ListItemSemantics.Success:
                    return Refused(UserError.At("ALREADY_CONVERTED", "The lead is already converted.", "id"));
                case ListItemSemantics.Failure:
                    return Refused(UserError.At("LEAD_IS_JUNK", "The lead is junk; give it an in-process status before converting it.", "id"));
            }

            var company = await ExistingAsync(services, registry, "company", input.GetValueOrDefault("companyId"), errors, cancellationToken);
            if (companyInput is not null)
            {
                company = await CreateAsync(services, registry, "company", "createCompany", Overlay(CompanyFrom(lead), companyInput), errors, cancellationToken, lead);
            }

            var contact = await ExistingAsync(services, registry, "contact", input.GetValueOrDefault("contactId"), errors, cancellationToken);
            if (createContact)
            {
                contact = await CreateAsync(services, registry, "contact", "createContact", ContactFrom(lead, company), errors, cancellationToken, lead);
            }

            object? deal = null;
            if (dealInput is not null)
            {
                deal = await CreateAsync(services, registry, "deal", "createDeal", Overlay(DealFrom(lead, company, contact), dealInput), errors, cancellationToken, lead);
            }

            if (errors.Count == 0)
            {
                lead.ContactId = (contact as ICrmRecord)?.Id ?? lead.ContactId;
                lead.CompanyId = (company as ICrmRecord)?.Id ?? lead.CompanyId;
                lead.DealId = (deal as ICrmRecord)?.Id ?? lead.DealId;
                lead.StatusId = success.Id;
                db.Publish(new LeadConverted(lead.Id, lead.ContactId, lead.CompanyId, lead.DealId));
                await db.SaveChangesAsync(cancellationToken);
            }

            return new ConvertPayload(lead, contact, company, deal, errors);
        }, result => result.Errors.Count == 0, cancellationToken);

        // Rolled back: the session has made every context forget what it saved.
        return outcome.Errors.Count > 0 ? new ConvertPayload(null, null, null, null, outcome.Errors) : outcome;
    }

    private static IReadOnlyDictionary<string, object?>? AsInput(object? value) =>
        value as IReadOnlyDictionary<string, object?> ?? (value as IDictionary<string, object?>)?.AsReadOnly();

    /// <summary>What the lead gives, with the fields the caller gave in their place.</summary>
    private static Dictionary<string, object?> Overlay(Dictionary<string, object?> fromLead, IReadOnlyDictionary<string, object?> given)
    {
        foreach (var (name, value) in given)
        {
            fromLead[name] = value;
        }

        return fromLead;
    }

    private static ConvertPayload Refused(UserError error) => new(null, null, null, null, [error]);

    private static async Task<object?> ExistingAsync(IServiceProvider services, IEntityRegistry registry, string type, object? id, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (id is null)
        {
            return null;
        }

        var path = type + "Id";
        if (!RecordIds.TryParse(id, out var value))
        {
            errors.Add(RecordIds.Invalid(id, type, "input", path));
            return null;
        }

        // Held until the conversion commits, so that a concurrent delete cannot remove it under the link.
        var found = await registry.Find(type).LoadHeldAsync(services, [value], cancellationToken);
        if (!found.TryGetValue(value, out var record))
        {
            errors.Add(Refusals.NotFound(type, value, "input", path));
        }

        return record;
    }

    private static async Task<object?> CreateAsync(IServiceProvider services, IEntityRegistry registry, string type, string inputName, Dictionary<string, object?> fields, List<UserError> errors, CancellationToken cancellationToken, Lead? lead = null)
    {
        if (registry.Find(type) is not ICrmEntityDefinition definition)
        {
            errors.Add(UserError.At(ErrorCodes.Validation, $"A {type} cannot be created: its module is not loaded.", "input", inputName));
            return null;
        }

        // Values of the lead's custom fields go to the target's fields of the same code.
        if (lead is not null)
        {
            CustomFieldTransfer.AddValues(CustomFieldScope.Of(services), "lead", lead, type, fields);
        }

        var created = await definition.CreateAsync(services, fields, cancellationToken);
        // The target's errors point into its own input; here they point under this conversion's.
        errors.AddRange(created.Errors.Select(e => e with { Path = ["input", inputName, .. e.Path.SkipWhile(p => p == "input")] }));
        return created.Record;
    }

    private static List<Dictionary<string, object?>> Points(List<ContactPoint> points) =>
        points.Select(p => new Dictionary<string, object?> { ["value"] = p.Value, ["valueType"] = p.ValueType }).ToList();

    private static Dictionary<string, object?> CompanyFrom(Lead lead)
    {
        var company = new Dictionary<string, object?>
        {
            // A lead without a company title still names the company: by its own title.
            ["title"] = string.IsNullOrWhiteSpace(lead.CompanyTitle) ? lead.Title : lead.CompanyTitle,
            ["phones"] = Points(lead.Phones),
            ["emails"] = Points(lead.Emails),
            ["webs"] = Points(lead.Webs),
            ["assignedById"] = lead.AssignedById,
            ["opened"] = lead.Opened,
            ["leadId"] = lead.Id,
        };
        if (lead.Address is { } address)
        {
            company["address"] = new Dictionary<string, object?>
            {
                ["address1"] = address.Address1, ["address2"] = address.Address2, ["city"] = address.City, ["postalCode"] = address.PostalCode,
                ["region"] = address.Region, ["province"] = address.Province, ["country"] = address.Country, ["countryCode"] = address.CountryCode,
            };
        }

        return company;
    }

    private static Dictionary<string, object?> ContactFrom(Lead lead, object? company) => new()
    {
        ["honorificId"] = lead.Honorific,
        ["name"] = lead.Name,
        ["secondName"] = lead.SecondName,
        ["lastName"] = lead.LastName,
        ["post"] = lead.Post,
        ["phones"] = Points(lead.Phones),
        ["emails"] = Points(lead.Emails),
        ["birthdate"] = lead.Birthdate,
        ["comments"] = lead.Comments,
        ["sourceId"] = lead.SourceId,
        ["sourceDescription"] = lead.SourceDescription,
        ["assignedById"] = lead.AssignedById,
        ["opened"] = lead.Opened,
        ["leadId"] = lead.Id,
        ["companyIds"] = company is ICrmRecord c ? new List<object?> { c.Id } : new List<object?>(),
    };

    private static Dictionary<string, object?> DealFrom(Lead lead, object? company, object? contact)
    {
        var fields = new Dictionary<string, object?>
        {
            ["title"] = lead.Title,
            ["pipelineId"] = 0L,
            ["opportunity"] = lead.Opportunity ?? 0m,
            ["sourceId"] = lead.SourceId,
            ["sourceDescription"] = lead.SourceDescription,
            ["assignedById"] = lead.AssignedById,
            ["comments"] = lead.Comments,
            ["opened"] = lead.Opened,
            ["leadId"] = lead.Id,
            ["companyId"] = (company as ICrmRecord)?.Id,
            ["contactIds"] = contact is ICrmRecord c ? new List<object?> { c.Id } : new List<object?>(),
            ["utmSource"] = lead.UtmSource,
            ["utmMedium"] = lead.UtmMedium,
            ["utmCampaign"] = lead.UtmCampaign,
            ["utmContent"] = lead.UtmContent,
            ["utmTerm"] = lead.UtmTerm,
        };
        if (lead.CurrencyId is not null)
        {
            fields["currencyId"] = lead.CurrencyId;
        }

        return fields;
    }
}
