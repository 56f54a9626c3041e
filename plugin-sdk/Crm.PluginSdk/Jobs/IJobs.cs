using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Jobs;

/// <summary>A job stored to run, or why not.</summary>
/// <param name="Job">The stored job, as the GraphQL type <see cref="IJobs.GraphTypeName"/> shows it; null when refused.</param>
/// <param name="Errors">Why the job was not started (empty when it was).</param>
public sealed record JobStart(object? Job, IReadOnlyList<UserError> Errors);

/// <summary>Starts jobs for the current actor (scoped: one per request).</summary>
public interface IJobs
{
    /// <summary>The GraphQL type that shows a job: a mutation that starts one returns it (<c>GraphQLTypeReference</c>).</summary>
    const string GraphTypeName = "Job";

    /// <summary>
    /// Checks <paramref name="parameters"/> with the kind's validation, then stores a QUEUED job owned
    /// by the current actor; refused when the actor is anonymous, the kind unknown, or the actor has
    /// as many unfinished jobs as <c>Jobs:MaxQueuedPerUser</c> allows.
    /// </summary>
    Task<JobStart> StartAsync(string kind, object parameters, CancellationToken cancellationToken);
}
