using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Jobs;
using Crm.Tests.SamplePlugin.Data;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>What <see cref="CountQuotesJob"/> counts: the quotes whose title starts with <c>Prefix</c> (at most 200 characters).</summary>
public sealed record CountQuotesParameters(string Prefix);

/// <summary>
/// A job kind of the plugin's own (found by convention, as any module's): counts its quotes by a
/// title prefix, as the job's owner, and reports the count as the job's <c>done</c>.
/// </summary>
public sealed class CountQuotesJob : JobKind<CountQuotesParameters>
{
    public const string KindName = "sample_plugin.count-quotes";

    public const int MaxPrefixLength = 200;

    public override string Name => KindName;

    protected override Task<IReadOnlyList<UserError>> ValidateAsync(IServiceProvider requestServices, CountQuotesParameters parameters, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<UserError>>(parameters.Prefix is null ? [UserError.At(ErrorCodes.Required, "'prefix' is required.", "prefix")]
            : parameters.Prefix.Length > MaxPrefixLength ? [UserError.At(ErrorCodes.TooLong, $"'prefix' is at most {MaxPrefixLength} characters.", "prefix")]
            : []);

    protected override async Task<JobResult> RunAsync(JobContext<CountQuotesParameters> context)
    {
        var count = await context.AsOwnerAsync(services => services.GetRequiredService<SamplePluginDbContext>().Quotes
            .CountAsync(q => q.Title.StartsWith(context.Parameters.Prefix), context.CancellationToken));
        await context.SaveAsync(new JobProgress(count, count), checkpoint: null);
        return JobResult.Empty;
    }
}

/// <summary><c>sampleCountQuotes(prefix:)</c>: starts a <see cref="CountQuotesJob"/> (for the tests).</summary>
public sealed class CountQuotesSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var payload = new ObjectGraphType { Name = "SampleCountQuotesPayload", Description = "The counting job, or why it was refused." };
        payload.AddField(new FieldType { Name = "job", ResolvedType = new GraphQLTypeReference(IJobs.GraphTypeName), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Job) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((JobStart)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "sampleCountQuotes",
            Description = $"Starts a job that counts the quotes whose title starts with 'prefix' (at most {CountQuotesJob.MaxPrefixLength} characters; the tests' sample plugin).",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "prefix" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await c.RequestServices!.GetRequiredService<IJobs>().StartAsync(CountQuotesJob.KindName, new CountQuotesParameters(c.GetArgument<string>("prefix")), c.CancellationToken)),
        });
    }
}
