using System.Globalization;
using System.Text.Json;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.Jobs;

/// <summary>A finished job's file: where its owner downloads it, until when.</summary>
public sealed record JobDownload(string Url, string FileName, string? ContentType, DateTime ExpiresAt);

public sealed record CancelJobPayload(JobRow? Job, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>job(id:)</c>, <c>myJobs(first:, after:)</c>, <c>cancelJob(id:)</c>, the <c>jobProgress(id:)</c> subscription, and the <c>Job</c> type that
/// the mutations starting jobs (<c>exportRecords</c> ...) return. Only a job's owner, or an admin, sees it.
/// </summary>
internal sealed class JobsSchemaContributor : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var state = new EnumerationGraphType { Name = "JobState", Description = "Where a job is; it ends SUCCEEDED, FAILED or CANCELLED and stays there." };
        state.Add("QUEUED", JobState.Queued, "Stored, waiting for a host with a free slot.");
        state.Add("RUNNING", JobState.Running, "A host holds it and works on it (or its host died and another resumes it after the lease).");
        state.Add("SUCCEEDED", JobState.Succeeded, "Done; its file, if any, is in 'download'.");
        state.Add("FAILED", JobState.Failed, "Ended on an error: 'errorCode' and 'error' say which.");
        state.Add("CANCELLED", JobState.Cancelled, "Cancelled by its owner or an admin.");

        var download = new ObjectGraphType { Name = "JobDownload", Description = "A finished job's file." };
        download.AddField(SharedGraphTypes.Field<JobDownload>("url", typeof(NonNullGraphType<StringGraphType>), d => d.Url,
            "The file's address on this server (relative): GET it with the owner's 'Authorization: Bearer'; streamed; refused after 'expiresAt'."));
        download.AddField(SharedGraphTypes.Field<JobDownload>("fileName", typeof(NonNullGraphType<StringGraphType>), d => d.FileName));
        download.AddField(SharedGraphTypes.Field<JobDownload>("contentType", typeof(StringGraphType), d => d.ContentType));
        download.AddField(SharedGraphTypes.Field<JobDownload>("expiresAt", typeof(NonNullGraphType<DateTimeGraphType>), d => d.ExpiresAt, "When the file is deleted and the link stops working (Jobs:FileRetention after the job ended)."));

        var job = new ObjectGraphType { Name = IJobs.GraphTypeName, Description = "A background job (an export ...): stored, run by any host, resumable, cancellable." };
        job.AddField(SharedGraphTypes.Field<JobRow>("id", typeof(NonNullGraphType<IdGraphType>), j => j.Id.ToString(CultureInfo.InvariantCulture)));
        job.AddField(SharedGraphTypes.Field<JobRow>("kind", typeof(NonNullGraphType<StringGraphType>), j => j.Kind, "What it does (export.records ...)."));
        job.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((JobRow)c.Source!).State) });
        job.AddField(SharedGraphTypes.Field<JobRow>("ownerId", typeof(NonNullGraphType<IdGraphType>), j => j.OwnerId.ToString(CultureInfo.InvariantCulture), "Who started it: it runs with their rights."));
        job.AddField(SharedGraphTypes.Field<JobRow>("done", typeof(NonNullGraphType<LongGraphType>), j => j.Done, "Units done (rows written ...)."));
        job.AddField(SharedGraphTypes.Field<JobRow>("total", typeof(LongGraphType), j => j.Total, "All units, once known."));
        job.AddField(new FieldType
        {
            Name = "counts",
            ResolvedType = new NonNullGraphType(composer.Types.Json),
            Description = "Named counts (rows, pages ...), as an object of numbers.",
            Resolver = new FuncFieldResolver<object?>(c => ((JobRow)c.Source!).Counts is { } counts
                ? JsonSerializer.Deserialize<Dictionary<string, long>>(counts)!.ToDictionary(p => p.Key, p => (object?)p.Value)
                : new Dictionary<string, object?>()),
        });
        job.AddField(SharedGraphTypes.Field<JobRow>("cancelRequested", typeof(NonNullGraphType<BooleanGraphType>), j => j.CancelRequested));
        job.AddField(SharedGraphTypes.Field<JobRow>("attempts", typeof(NonNullGraphType<IntGraphType>), j => j.Attempts, "How many times a host took it up: more than 1 when it was resumed."));
        job.AddField(SharedGraphTypes.Field<JobRow>("errorCode", typeof(StringGraphType), j => j.ErrorCode));
        job.AddField(SharedGraphTypes.Field<JobRow>("error", typeof(StringGraphType), j => j.Error));
        job.AddField(SharedGraphTypes.Field<JobRow>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), j => j.CreatedAt));
        job.AddField(SharedGraphTypes.Field<JobRow>("startedAt", typeof(DateTimeGraphType), j => j.StartedAt));
        job.AddField(SharedGraphTypes.Field<JobRow>("finishedAt", typeof(DateTimeGraphType), j => j.FinishedAt));
        job.AddField(new FieldType
        {
            Name = "download",
            ResolvedType = download,
            Description = "The job's file, while it is kept; null before the job succeeded, for a job without a file, and after the file expired.",
            Resolver = new FuncFieldResolver<object?>(c => Download((JobRow)c.Source!, c.RequestServices!.GetRequiredService<TimeProvider>())),
        });
        composer.AddType(job);

        composer.Query.AddField(new FieldType
        {
            Name = "job",
            Description = "A job of yours (any job for an admin); null when there is none you may see.",
            ResolvedType = job,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                RequireSignIn(c);
                return RecordIds.TryParse(c.GetArgument<object>("id"), out var id)
                    ? await c.RequestServices!.GetRequiredService<JobService>().FindAsync(id, c.CancellationToken)
                    : throw ErrorCodes.Error(ErrorCodes.InvalidId, "'id' is not a job id.");
            }),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "myJobs",
            Description = $"Your jobs, newest first; 'after' is the id of the last job of the previous page. At most {JobOptions.MaxPageSize} at once.",
            ResolvedType = SchemaComposer.NonNullList(job),
            Arguments = new QueryArguments(
                new QueryArgument<IntGraphType> { Name = "first", DefaultValue = 20 },
                new QueryArgument<IdGraphType> { Name = "after" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                RequireSignIn(c);
                long? after = null;
                if (c.GetArgument<object?>("after") is { } given)
                {
                    after = RecordIds.TryParse(given, out var id) ? id : throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is not a job id.");
                }

                return await c.RequestServices!.GetRequiredService<JobService>().MineAsync(c.GetArgument("first", 20), after, c.CancellationToken);
            }),
        });

        AddProgressSubscription(composer, job);

        var cancelPayload = new ObjectGraphType { Name = "CancelJobPayload", Description = "The job as the cancel left it, or why not." };
        cancelPayload.AddField(new FieldType { Name = "job", ResolvedType = job, Resolver = new FuncFieldResolver<object?>(c => ((CancelJobPayload)c.Source!).Job) });
        cancelPayload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((CancelJobPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "cancelJob",
            Description = "Cancels a job of yours (any job for an admin): a queued job ends CANCELLED at once, a running one as soon as its host sees the request (at once on the same host, within a third of Jobs:LeaseDuration on another).",
            ResolvedType = new NonNullGraphType(cancelPayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                RequireSignIn(c);
                if (!RecordIds.TryParse(c.GetArgument<object>("id"), out var id))
                {
                    return new CancelJobPayload(null, [UserError.At(ErrorCodes.InvalidId, "'id' is not a job id.", "id")]);
                }

                var (cancelled, errors) = await c.RequestServices!.GetRequiredService<JobService>().CancelAsync(id, c.CancellationToken);
                return new CancelJobPayload(cancelled, errors);
            }),
        });
    }

    /// <summary><c>jobProgress(id:)</c>: the job now, then at each change, completing when it ends.</summary>
    private static void AddProgressSubscription(SchemaComposer composer, IGraphType job) =>
        composer.Subscription.AddField(new FieldType
        {
            Name = "jobProgress",
            Description = "A job of yours (any job for an admin) as it is, then each time it changes (progress, state), until it ends: the last event is its final state. "
                + "A change on the host you are connected to arrives at once, one on another host within Jobs:ProgressPollInterval.",
            ResolvedType = new NonNullGraphType(job),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(c => c.Source),
            StreamResolver = new SourceStreamResolver<object?>(async c =>
            {
                RequireSignIn(c);
                var services = c.RequestServices!;
                if (!RecordIds.TryParse(c.GetArgument<object>("id"), out var id))
                {
                    throw ErrorCodes.Error(ErrorCodes.InvalidId, "'id' is not a job id.");
                }

                if (await services.GetRequiredService<JobService>().FindAsync(id, c.CancellationToken) is null)
                {
                    throw ErrorCodes.Error(ErrorCodes.NotFound, $"There is no job {id} of yours.");
                }

                var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<JobOptions>>().Value;
                return new JobProgressStream(id, services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<JobSignals>(), options.ProgressPollInterval);
            }),
        });

    private static void RequireSignIn(IResolveFieldContext context)
    {
        if (!context.RequestServices!.GetRequiredService<Crm.PluginSdk.Security.ICurrentActor>().IsAuthenticated)
        {
            throw ErrorCodes.Error(ErrorCodes.Unauthenticated, "Jobs are for signed-in users.");
        }
    }

    public static JobDownload? Download(JobRow job, TimeProvider clock) =>
        job is { State: JobState.Succeeded, ResultFile: { } file, ResultExpiresAt: { } expires } && expires > clock.GetUtcNow().UtcDateTime
            ? new JobDownload(JobDownloads.UrlOf(job.Id), job.ResultName ?? file, job.ResultContentType, expires)
            : null;
}
