using System.Text.Json.Nodes;
using Crm.Modules.Automation.Definitions;
using Crm.Modules.Automation.Data;
using Crm.Modules.Automation.Rules;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>
/// The processes shipped with the module, installed once per database (a data migration: one
/// transaction with its record, run again at the next start if it failed): a two-step approval of a
/// deal's discount, a lead's qualification, a new client's onboarding to-dos. Each is validated as an
/// admin's would be and installed as a draft run as, and assigned to, the bootstrap administrator
/// (user 1): an admin names the approvers and activates it. A template already there (its
/// <see cref="BusinessProcess.TemplateKey"/>) is left as the admins made it.
/// </summary>
public sealed class ProcessTemplates : IModuleDataMigration
{
    /// <summary>Who the templates run as and assign to until an admin changes them: the bootstrap administrator.</summary>
    public const long TemplateUser = 1;

    public string Id => "0001-process-templates";

    public sealed record Template(string Key, string EntityType, ProcessInput Input);

    public static IReadOnlyList<Template> All { get; } =
    [
        new("deal-discount-approval", "deal", new ProcessInput(
            "Discount approval (two steps)",
            "The head of sales, then finance, approve a deal's discount; either may ask for more information. Name the approvers, then activate it.",
            StartMode.Manual, null,
            Graph(
                [Step("start", "start"), Approval("sales", "Discount: head of sales", timeout: null), Approval("finance", "Discount: finance", timeout: "P3D"),
                 Comment("approved", "Discount approved by sales and finance."), Comment("rejected", "Discount rejected."), Comment("info", "More information is needed for the discount."),
                 Comment("late", "Finance did not decide the discount within 3 days."), Step("end", "end")],
                [Edge("start", "sales"), Edge("sales", "finance", "approved"), Edge("sales", "rejected", "rejected"), Edge("sales", "info", "information"),
                 Edge("finance", "approved", "approved"), Edge("finance", "rejected", "rejected"), Edge("finance", "late", "timeout"),
                 Edge("approved", "end"), Edge("rejected", "end"), Edge("info", "end"), Edge("late", "end")]),
            TemplateUser, false)),
        new("lead-qualification", "lead", new ProcessInput(
            "Lead qualification",
            "A new lead gets a call to-do (today for a big one); when it leaves NEW, a comment records that it was qualified.",
            StartMode.OnCreate, null,
            Graph(
                [Step("start", "start"), Step("big", "if", new JsonObject { ["condition"] = new JsonObject { ["field"] = "opportunity", ["op"] = "gte", ["value"] = 10_000 } }),
                 ToDo("callToday", "Call the lead today", "PT4H"), ToDo("call", "Call the lead", "P2D"),
                 Step("worked", "wait", new JsonObject { ["on"] = "condition", ["condition"] = new JsonObject { ["field"] = "statusId", ["op"] = "neq", ["value"] = "NEW" } }),
                 Comment("qualified", "The lead was qualified."), Step("end", "end")],
                [Edge("start", "big"), Edge("big", "callToday", "true"), Edge("big", "call", "false"), Edge("callToday", "worked"), Edge("call", "worked"),
                 Edge("worked", "qualified"), Edge("qualified", "end")]),
            TemplateUser, false)),
        new("client-onboarding", "company", new ProcessInput(
            "New client onboarding",
            "A new client company gets its onboarding to-dos at once: a welcome call, the contract, the kick-off meeting.",
            StartMode.OnCreate, null,
            Graph(
                [Step("start", "start"), Step("split", "split"), ToDo("welcome", "Welcome call", "P1D"), ToDo("contract", "Send the contract", "P2D"),
                 ToDo("kickoff", "Kick-off meeting", "P7D"), Step("join", "join", new JsonObject { ["split"] = "split" }), Comment("ready", "Onboarding to-dos created."), Step("end", "end")],
                [Edge("start", "split"), Edge("split", "welcome"), Edge("split", "contract"), Edge("split", "kickoff"),
                 Edge("welcome", "join"), Edge("contract", "join"), Edge("kickoff", "join"), Edge("join", "ready"), Edge("ready", "end")]),
            TemplateUser, false)),
    ];

    public async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<AutomationDbContext>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        foreach (var template in All)
        {
            // A record type whose module is not loaded gets no template (its processes could not run).
            if (ParameterValidator.EntityTypeOf(services, template.EntityType) is not { } recordType
                || await db.Processes.AnyAsync(p => p.TemplateKey == template.Key, cancellationToken))
            {
                continue;
            }

            var errors = new List<UserError>();
            var valid = await new ProcessValidator(services).ValidateAsync(recordType, null, template.Input, errors, cancellationToken)
                ?? throw new InvalidOperationException($"The process template '{template.Key}' is invalid: {string.Join("; ", errors.Select(e => $"{string.Join('.', e.Path)}: {e.Message}"))}");
            db.Processes.Add(new BusinessProcess
            {
                EntityType = recordType.Name,
                LatestVersion = 1,
                TemplateKey = template.Key,
                CreatedAt = now,
                UpdatedAt = now,
                Versions =
                [
                    new BusinessProcessVersion
                    {
                        Version = 1, State = DefinitionState.Draft, Name = valid.Name, Description = valid.Description, Definition = valid.Definition.ToJson(),
                        RunAsUserId = valid.RunAsUserId, CreatedAt = now, UpdatedAt = now,
                    },
                ],
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static JsonObject Graph(JsonObject[] steps, JsonObject[] edges) => new() { ["steps"] = new JsonArray(steps), ["edges"] = new JsonArray(edges) };

    private static JsonObject Step(string id, string kind, JsonObject? parameters = null) => new() { ["id"] = id, ["kind"] = kind, ["params"] = parameters ?? [] };

    private static JsonObject Edge(string from, string to, string? when = null) => new() { ["from"] = from, ["to"] = to, ["when"] = when };

    private static JsonObject Comment(string id, string text) =>
        Step(id, "action", new JsonObject { ["kind"] = "timeline.addComment", ["params"] = new JsonObject { ["text"] = text } });

    private static JsonObject ToDo(string id, string subject, string due) =>
        Step(id, "action", new JsonObject { ["kind"] = "activities.create", ["params"] = new JsonObject { ["typeId"] = "TODO", ["subject"] = subject, ["deadlineIn"] = due } });

    private static JsonObject Approval(string id, string title, string? timeout)
    {
        var parameters = new JsonObject { ["mode"] = "any", ["title"] = title, ["assignees"] = new JsonArray(JsonValue.Create(TemplateUser)) };
        if (timeout is not null)
        {
            parameters["timeout"] = timeout;
        }

        return Step(id, "approval", parameters);
    }
}
