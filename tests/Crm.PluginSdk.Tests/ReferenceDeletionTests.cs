using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Tests;

/// <summary>A record type as a plugin would declare it: a task that must name the task it depends on, which may not be deleted under it.</summary>
[CrmRecord("step")]
public sealed class Step : AuditedRecord
{
    public string Title { get; set; } = "";

    public long? DependsOnId { get; set; }

    public long? NoteOfId { get; set; }
}

public sealed class StepsDbContext(DbContextOptions<StepsDbContext> options) : ModuleDbContext(options)
{
    public override string Schema => "steps";

    protected override void ConfigureModel(ModelBuilder modelBuilder) => modelBuilder.Entity<Step>();
}

public sealed class StepEntity() : CrmEntityDefinition<Step, StepsDbContext>("step")
{
    protected override void Configure(EntityBuilder<Step> entity)
    {
        entity.Field(s => s.Title).Required();
        entity.Field(s => s.DependsOnId).References("step", "dependsOn", ReferenceDeletion.Refuse);
        entity.Field(s => s.NoteOfId).References("step", "noteOf");
    }
}

/// <summary>The step record type in an in-memory SQLite database of its own, with the services a list and a write need.</summary>
public abstract class StepsDatabase : IAsyncLifetime
{
    private readonly SqliteConnection _keepAlive = new($"Data Source=file:steps{Guid.NewGuid():N}?mode=memory&cache=shared");
    protected ServiceProvider Root { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _keepAlive.OpenAsync();
        var services = new ServiceCollection();
        services.AddSingleton(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = _keepAlive.ConnectionString });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new QueryLimits());
        services.AddScoped<CurrentActor>();
        services.AddScoped<ICurrentActor>(sp => sp.GetRequiredService<CurrentActor>());
        services.AddScoped<CrmDatabaseSession>();
        services.AddScoped<ModuleDbContextDependencies>();
        services.AddModuleDbContext<StepsDbContext>("steps");
        services.AddSingleton<ICrmEntityType, StepEntity>();
        services.AddSingleton<IEntityRegistry, EntityRegistry>();
        Root = services.BuildServiceProvider();
        using var scope = Root.CreateScope();
        await scope.ServiceProvider.GetRequiredService<StepsDbContext>().Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await Root.DisposeAsync();
        await _keepAlive.DisposeAsync();
    }

    protected async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        // The plugin's own code, outside a request: it acts as the system only when it says so.
        using var scope = Root.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        return await work(scope.ServiceProvider);
    }

    protected Task<MutationPayload> CreateAsync(string title, long? dependsOn = null, long? noteOf = null) =>
        InScopeAsync(s => Definition(s).CreateAsync(s, new Dictionary<string, object?> { ["title"] = title, ["dependsOnId"] = dependsOn?.ToString(), ["noteOfId"] = noteOf?.ToString() }, CancellationToken.None));

    protected static ICrmEntityDefinition Definition(IServiceProvider services) =>
        (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get("step");
}

/// <summary>
/// ReferenceDeletion on a record type the platform has never heard of: a reference that refuses
/// keeps its record from being deleted (REFERENCED, with how many hold it, nothing changed); one
/// that clears lets go of it with the delete.
/// </summary>
public sealed class ReferenceDeletionTests : StepsDatabase
{
    private Task<MutationPayload> DeleteAsync(long id) =>
        InScopeAsync(s => Definition(s).DeleteAsync(s, id, CancellationToken.None));

    private Task<List<Step>> StepsAsync() =>
        InScopeAsync(s => s.GetRequiredService<StepsDbContext>().Set<Step>().AsNoTracking().OrderBy(x => x.Id).ToListAsync());

    [Fact]
    public async Task A_refusing_reference_keeps_its_record_and_a_clearing_one_lets_go()
    {
        var first = ((ICrmRecord)(await CreateAsync("First")).Record!).Id;
        var blocked = ((ICrmRecord)(await CreateAsync("Depends", dependsOn: first)).Record!).Id;
        var note = ((ICrmRecord)(await CreateAsync("Note", noteOf: first)).Record!).Id;

        var refused = await DeleteAsync(first);

        var error = Assert.Single(refused.Errors);
        Assert.Equal(ReferenceCleaner.Referenced, error.Code);
        Assert.Contains("1 step in 'dependsOnId'", error.Message, StringComparison.Ordinal);
        Assert.Equal([first, blocked, note], (await StepsAsync()).Select(s => s.Id));
        Assert.Equal(first, (await StepsAsync()).Single(s => s.Id == note).NoteOfId);

        Assert.Empty((await DeleteAsync(blocked)).Errors);
        Assert.Empty((await DeleteAsync(first)).Errors);

        var left = Assert.Single(await StepsAsync());
        Assert.Equal(note, left.Id);
        Assert.Null(left.NoteOfId);
    }

    [Fact]
    public async Task Outside_a_request_code_acts_as_the_system_only_in_a_system_scope()
    {
        using (var plain = Root.CreateScope())
        {
            var refused = await Definition(plain.ServiceProvider).CreateAsync(plain.ServiceProvider, new Dictionary<string, object?> { ["title"] = "Nobody's" }, CancellationToken.None);
            Assert.Equal("FORBIDDEN", Assert.Single(refused.Errors).Code);
            var list = await Assert.ThrowsAsync<global::GraphQL.ExecutionError>(() => Definition(plain.ServiceProvider).ListAsync(plain.ServiceProvider, new ListArguments(null, null, null, null, null, null), false, CancellationToken.None));
            Assert.Equal("FORBIDDEN", list.Code);
        }

        Assert.Empty((await CreateAsync("The system's")).Errors);
        Assert.Single(await StepsAsync());
    }
}
