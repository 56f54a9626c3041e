using System.Text.Json;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Jobs;

/// <summary>
/// A kind of stored background job (an export, an import, a bulk action): what a module implements
/// so that the platform stores, claims, resumes, cancels and reports its jobs. Derive from
/// <see cref="JobKind{TParameters}"/>; the host finds kinds by convention, as it finds schema contributors.
/// </summary>
public interface IJobKind
{
    /// <summary>The kind's stable name, stored with each job (<c>export.records</c>): lower-case letters, digits, '.', '_' and '-', at most 64 characters.</summary>
    string Name { get; }

    /// <summary>
    /// Reads and checks <paramref name="parameters"/> in the request that starts the job, before
    /// anything is stored, as the caller (its rights are the request's); the errors refuse the start.
    /// </summary>
    internal Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, JsonElement parameters, CancellationToken cancellationToken);

    /// <summary>Runs (or resumes) a claimed job; the host records its outcome.</summary>
    internal Task<JobResult> RunAsync(JobRun run, JsonElement parameters);
}

/// <summary>
/// A kind of job whose parameters are <typeparamref name="TParameters"/>, stored as JSON (camelCase,
/// System.Text.Json's web defaults): checked by <see cref="ValidateAsync"/> before the job is stored,
/// and handed back to <see cref="RunAsync"/> on whichever host runs it, however often it resumes.
/// </summary>
public abstract class JobKind<TParameters> : IJobKind
    where TParameters : class
{
    /// <summary>How parameters are stored.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public abstract string Name { get; }

    /// <summary>
    /// The reasons the job may not start (paths as the starting mutation names its arguments), in
    /// the starting request's scope: its actor is the caller. Every input is bounded here.
    /// </summary>
    protected abstract Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, TParameters parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Does the work, from <see cref="JobContext{TParameters}.Checkpoint"/> on when the job resumes.
    /// Saves progress and a checkpoint after each unit of work (<see cref="JobContext{TParameters}.SaveAsync"/>),
    /// reads and writes records as the owner (<see cref="JobContext{TParameters}.AsOwnerAsync{T}"/>),
    /// and stops when the context's token is cancelled. Throw <see cref="JobFailedException"/> to end it FAILED with a reason.
    /// </summary>
    protected abstract Task<JobResult> RunAsync(JobContext<TParameters> context);

    async Task<IReadOnlyList<UserError>> IJobKind.ValidateAsync(IServiceProvider requestServices, JsonElement parameters, CancellationToken cancellationToken)
    {
        TParameters? typed;
        try
        {
            typed = parameters.Deserialize<TParameters>(Json);
        }
        catch (JsonException ex)
        {
            return [UserError.At(ErrorCodes.InvalidFormat, $"The job's parameters are not valid: {ex.Message}")];
        }

        return typed is null
            ? [UserError.At(ErrorCodes.Required, "The job needs parameters.")]
            : await ValidateAsync(requestServices, typed, cancellationToken);
    }

    Task<JobResult> IJobKind.RunAsync(JobRun run, JsonElement parameters) =>
        RunAsync(new JobContext<TParameters>(run, parameters.Deserialize<TParameters>(Json)
            ?? throw new JobFailedException(ErrorCodes.InvalidFormat, "The job's stored parameters are empty.")));
}

/// <summary>Ends a job FAILED with a code (<see cref="ErrorCodes"/>) and a message its owner reads.</summary>
public sealed class JobFailedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
