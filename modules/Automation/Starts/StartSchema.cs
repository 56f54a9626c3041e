using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Runs;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Starts;

/// <summary>A run as a start (or a retry) left it, or why there is none.</summary>
public sealed record RunPayload(AutomationRun? Run, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>startAutomationRule(ruleId:, recordId:, input:)</c>: a user starts a <c>platform.manual</c>
/// rule on a record. Whoever may update the record may start it (starting it is asking for changes
/// to it); the run still acts as the rule's run-as user, with that user's rights, as every run does.
/// </summary>
public sealed class StartSchema : ISchemaContributor
{
    public const string PayloadTypeName = "AutomationRunPayload";

    public void Contribute(SchemaComposer composer)
    {
        var payload = new ObjectGraphType { Name = PayloadTypeName, Description = "A run as a start or a retry made it, or why there is none." };
        payload.AddField(new FieldType { Name = "run", ResolvedType = new GraphQLTypeReference("AutomationRun"), Resolver = new FuncFieldResolver<object?>(c => ((RunPayload)c.Source!).Run) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((RunPayload)c.Source!).Errors) });
        composer.AddType(payload);

        composer.Mutation.AddField(new FieldType
        {
            Name = "startAutomationRule",
            Description = "Runs a rule started by hand (platform.manual) on a record, now, and returns its run. Needs the right to update the record; "
                + $"the run acts as the rule's run-as user. input: a JSON object its scripts see as event.input (at most {StartLimits.MaxInputKeys.ToString(CultureInfo.InvariantCulture)} keys, {StartLimits.MaxInputLength.ToString(CultureInfo.InvariantCulture)} characters of JSON).",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "ruleId" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "recordId" },
                new QueryArgument(composer.Types.Json) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await StartAsync(composer.Registry, c)),
        });
    }

    private static async Task<RunPayload> StartAsync(IEntityRegistry registry, IResolveFieldContext c)
    {
        var services = c.RequestServices!;
        var rawRule = c.GetArgument<object>("ruleId");
        var rawRecord = c.GetArgument<object>("recordId");
        if (!RecordIds.TryParse(rawRule, out var ruleId))
        {
            return Refused(RecordIds.Invalid(rawRule, "automation rule", "ruleId"));
        }

        if (!RecordIds.TryParse(rawRecord, out var recordId))
        {
            return Refused(RecordIds.Invalid(rawRecord, "record", "recordId"));
        }

        // The input is bounded before anything is read.
        var rawInput = c.GetArgument<object?>("input");
        if (rawInput is not null and not JsonObject)
        {
            return Refused(UserError.At(ErrorCodes.InvalidFormat, "The input is a JSON object.", "input"));
        }

        var input = rawInput as JsonObject;
        if (RuleStarter.CheckInput(input, "input") is { } tooBig)
        {
            return Refused(tooBig);
        }

        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.UserId is not { } userId)
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, "Starting a rule needs a signed-in user.", "ruleId"));
        }

        var starter = services.GetRequiredService<RuleStarter>();
        var (rule, refused) = await starter.FindAsync(ruleId, TriggerFiring.Manual, c.CancellationToken);
        if (rule is null)
        {
            return Refused(refused!);
        }

        if (registry.Find(rule.EntityType) is not ICrmEntityDefinition type)
        {
            return Refused(UserError.At(ErrorCodes.NotFound, $"The rule's record type '{rule.EntityType}' is not loaded.", "ruleId"));
        }

        if (!await type.ReachesAsync(services, recordId, PermissionAction.Update, c.CancellationToken))
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, $"You cannot update {type.Name} {recordId.ToString(CultureInfo.InvariantCulture)} (or it does not exist), so you cannot start rules on it.", "recordId"));
        }

        var outcome = await starter.StartAsync(rule, recordId, Guid.NewGuid(), userId, input, c.CancellationToken);
        return outcome.Run is { } run ? new RunPayload(run, []) : Refused(outcome.Refused!);
    }

    private static RunPayload Refused(UserError error) => new(null, [error]);
}
