using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Starts;

/// <summary>
/// <c>retryRun(runId:)</c>: a failed run runs again from its failed action on the version it pinned,
/// as a new run whose <c>retryOf</c> is the failed one. Needs the settings right (it is operating the
/// rules, as editing them is); the retry acts as the rule's run-as user like every run.
/// </summary>
public sealed class RetrySchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer) =>
        composer.Mutation.AddField(new FieldType
        {
            Name = "retryRun",
            Description = "Runs a failed run again from the action that failed, on the version it pinned, as a new run linked to it (retryOf). A run is retried once: asking again gives that retry. Needs the settings right.",
            ResolvedType = new NonNullGraphType(new GraphQLTypeReference(StartSchema.PayloadTypeName)),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "runId" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var services = c.RequestServices!;
                var actor = services.GetRequiredService<ICurrentActor>();
                if (actor.RefuseUnlessCanConfigure("Retrying automation runs") is { } refused)
                {
                    return new RunPayload(null, [refused]);
                }

                if (!Guid.TryParse(c.GetArgument<object>("runId")?.ToString(), out var runId))
                {
                    return new RunPayload(null, [UserError.At(ErrorCodes.InvalidId, "'runId' is not a run id.", "runId")]);
                }

                var outcome = await services.GetRequiredService<RuleStarter>().RetryAsync(runId, c.CancellationToken);
                return outcome.Run is { } run ? new RunPayload(run, []) : new RunPayload(null, [outcome.Refused!]);
            }),
        });
}
