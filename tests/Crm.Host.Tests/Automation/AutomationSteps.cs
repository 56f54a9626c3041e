using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Automation;

/// <summary>A host with the sample plugin (its own action kind) whose events are delivered only when a test says.</summary>
public abstract class AutomationHost(Engine engine) : HostFixture(engine)
{
    private SamplePluginFolder? _folder;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(_folder!.Settings)
    {
        ["Events:WakeUp"] = "false",
        ["Events:PollInterval"] = "01:00:00",
        ["Automation:Webhooks:AllowedHosts:0"] = "127.0.0.1",
        ["Automation:Webhooks:Timeout"] = "00:00:02",
        ["Automation:Webhooks:MaxResponseBytes"] = "1024",
        ["Automation:Webhooks:Incoming:CallsPerMinute"] = "20",
        ["Automation:Webhooks:Incoming:PublicUrl"] = "https://crm.example.com/base/",
        ["Automation:RoundRobin:MaxUsers"] = RoundRobinMaxUsers.ToString(CultureInfo.InvariantCulture),
        // The default half second of wall clock is the product's bound; on a loaded test machine a
        // script's first run (its engine warming up, a database read) can take longer and fail
        // a test about something else. Hostile scripts here hit Scripts:MaxStatements long before.
        ["Scripts:Timeout"] = "00:00:10",
    };

    /// <summary>The round-robin bound the tests run with: small, so that ten times it is cheap to build.</summary>
    public const int RoundRobinMaxUsers = 6;

    /// <summary>Every event delivered to the host's handlers, as handlers receive them: what trigger kinds are matched against.</summary>
    public EventProbe Events { get; } = new();

    /// <summary>What the host logged at Error and above: a test clears it before the work it watches.</summary>
    public ErrorLog Errors { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(Events);
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Errors);
        services.AddEventHandler<EventProbe.Handler>("tests/automation-probe");
    }

    public override async Task InitializeAsync()
    {
        _folder = new SamplePluginFolder(faults: null);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder?.Dispose();
    }
}

/// <summary>Keeps the events the host delivers.</summary>
public sealed class EventProbe
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<DomainEvent<CrmEvent>> _events = new();

    /// <summary>The delivered events about one record, in the order written.</summary>
    public IReadOnlyList<DomainEvent<CrmEvent>> About(string entityType, string id) =>
        _events.Where(e => e.EntityType == entityType && e.EntityId == long.Parse(id, CultureInfo.InvariantCulture)).ToList();

    public sealed class Handler(EventProbe probe) : IEventHandler<CrmEvent>
    {
        public Task HandleAsync(DomainEvent<CrmEvent> domainEvent, CancellationToken cancellationToken)
        {
            probe._events.Enqueue(domainEvent);
            return Task.CompletedTask;
        }
    }
}

public sealed class AutomationSqliteHost() : AutomationHost(Engine.Sqlite);

public sealed class AutomationPostgresHost() : AutomationHost(Engine.Postgres);

/// <summary>What the automation tests share: running an action through the SDK's runner, validating parameters as a rule's save would.</summary>
public static class AutomationSteps
{
    /// <summary>The run the tests' actions belong to: rule 7, version 2.</summary>
    public static AutomationRunIdentity Run { get; } = new(7, "Test rule", 2, Guid.NewGuid());

    public static IAutomationActionKind Action(this CrmHost host, string name) =>
        host.Services.GetRequiredService<AutomationCatalog>().FindAction(name) ?? throw new InvalidOperationException($"No action kind {name}.");

    public static Task<ActionOutcome> RunActionAsync(this CrmHost host, string kind, string entityType, string id, string runAs, object parameters, bool dryRun = false,
        IReadOnlyDictionary<string, object?>? scope = null) =>
        AutomationRunner.RunAsync(host.Services.GetRequiredService<IServiceScopeFactory>(),
            new ActionRequest(host.Action(kind), Run, new AutomationRecord(entityType, long.Parse(id, CultureInfo.InvariantCulture)), long.Parse(runAs, CultureInfo.InvariantCulture),
                JsonSerializerNodes(parameters), dryRun) { RecordScope = scope },
            CancellationToken.None);

    /// <summary>The errors of saving a kind's parameters in a rule on <paramref name="entityType"/> (as the settings user), at <c>actions, 2, params</c>.</summary>
    public static async Task<List<UserError>> ValidateAsync(this CrmHost host, IAutomationKind kind, string entityType, object? parameters, IReadOnlyDictionary<string, object?>? scope = null)
    {
        using var services = host.Services.GetRequiredService<IServiceScopeFactory>().CreateSystemScope();
        var errors = new List<UserError>();
        var recordType = ParameterValidator.EntityTypeOf(services.ServiceProvider, entityType)!;
        var taken = await ParameterValidator.ValidateAsync(services.ServiceProvider, kind, recordType, scope, parameters is null ? null : JsonSerializerNodes(parameters), ["actions", "2", "params"], errors, CancellationToken.None);
        Assert.Equal(errors.Count == 0, taken is not null);
        return errors;
    }

    public static Task<List<UserError>> ValidateAsync(this CrmHost host, string actionName, string entityType, object? parameters, IReadOnlyDictionary<string, object?>? scope = null) =>
        host.ValidateAsync(host.Action(actionName), entityType, parameters, scope);

    /// <summary>The one error, asserted by code and path (the path written with dots).</summary>
    public static UserError Single(this List<UserError> errors, string code, string path)
    {
        var error = Assert.Single(errors);
        Assert.Equal((code, path), (error.Code, string.Join('.', error.Path)));
        return error;
    }

    public static JsonObject JsonSerializerNodes(object value) =>
        value as JsonObject ?? System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();

    public static void ShouldSucceed(this ActionOutcome outcome) =>
        Assert.True(outcome.Succeeded, $"{outcome.Code}: {outcome.Message}");
}
