using Crm.Host.Data;
using Crm.Host.Events;
using Crm.Host.GraphQL;
using Crm.Host.GraphQL.WebSockets;
using Crm.Host.Live;
using Crm.Host.Health;
using Crm.Host.Jobs;
using Crm.Host.Modules;
using Crm.Host.Security;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Execution;
using GraphQL.Validation;
using GraphQL.SystemTextJson;
using GraphQLParser.AST;
using Microsoft.Data.Sqlite;

namespace Crm.Host.Hosting;

/// <summary>
/// Builds the host: configuration, database, modules, GraphQL. Shared by <c>Program</c>, the
/// <c>crm</c> command line and the tests, so that all three run the same platform.
/// </summary>
public static class CrmApplication
{
    /// <summary>Statements kept prepared per PostgreSQL connection unless the connection string sets <c>Max Auto Prepare</c>.</summary>
    public const int DefaultMaxAutoPrepare = 128;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The slim builder: the same configuration sources and console logging, without what
        // this host never uses on its platforms but the full builder loads anyway (IIS
        // integration, HTTP/3 over QUIC, the debugger's logger): four assemblies and about 3 MB
        // less at /readyz (see README, "The runtime"). HTTPS stays possible, and logs still reach
        // dotnet-trace through the event source logger.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.AddEventSourceLogger();
        configure?.Invoke(builder);
        AddPlatform(builder.Services, builder.Configuration);

        var app = builder.Build();
        MapPlatform(app);
        return app;
    }

    public static void AddPlatform(IServiceCollection services, IConfiguration configuration)
    {
        // Read when first needed, so that settings made until the host is built (tests) count.
        services.AddSingleton(provider => ReadDatabaseOptions(provider.GetRequiredService<IConfiguration>()));
        services.AddSingleton(TimeProvider.System);
        services.AddMemoryCache();
        services.AddScoped<CurrentActor>();
        services.AddScoped<ICurrentActor>(sp => sp.GetRequiredService<CurrentActor>());
        // A commit that wrote events wakes the dispatcher (unless Events:WakeUp is off).
        services.AddScoped(provider => new CrmDatabaseSession(provider.GetRequiredService<DatabaseOptions>())
        {
            OutboxCommitted = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<OutboxOptions>>().Value.WakeUp
                ? provider.GetRequiredService<OutboxWakeUp>().Wake
                : null,
            ScopeServices = provider,
        });
        services.AddScoped<ModuleDbContextDependencies>();
        services.AddScoped<BatchLoaderScope>();
        services.AddScoped<Crm.PluginSdk.CustomFields.CustomFieldScope>();

        services.AddSingleton(provider => ReadQueryLimits(provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<DatabaseOptions>().Provider));
        services.Configure<GraphQLEndpointOptions>(configuration.GetSection("GraphQL"));
        services.AddOptions<GraphQLEndpointOptions>()
            .Validate(o => o.DocumentCacheSize >= 0, "GraphQL:DocumentCacheSize must be 0 (no cache) or more.").ValidateOnStart();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection("Events")).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<OutboxOptions>, OutboxOptionsValidation>();

        // The platform's own tables migrate first.
        services.AddModuleDbContext<PlatformDbContext>(PlatformDbContext.SchemaName);

        // The host's logging is not built yet; this one follows the same settings (levels, and
        // the command line's logs going to stderr).
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddConfiguration(configuration.GetSection("Logging")).AddConsole());
        var modulesPath = configuration["Modules:Path"] is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(AppContext.BaseDirectory, "modules");
        var modulesLogger = loggerFactory.CreateLogger("Crm.Host.Modules");
        // The marketplace's pending upgrades and uninstalls, and plugins this host lacks, before anything loads.
        Marketplace.PluginStartup.Apply(configuration, modulesPath, modulesLogger);
        var catalog = ModuleLoader.Load(modulesPath, modulesLogger);
        services.AddSingleton(catalog);
        // Disabling and enabling modules at run time; the automation catalog leaves out the kinds of those disabled.
        services.AddSingleton<Modules.Runtime.PluginFolderCheck>();
        // Installing a plugin with no restart: its own container behind the host's (README, "How it is built").
        services.AddSingleton(new Modules.Runtime.HostServiceDescriptors(services));
        services.AddSingleton<Modules.Runtime.RuntimePlugins>();
        services.AddScoped<Modules.Runtime.PluginScopes>();
        services.AddScoped<IRuntimeModuleServices>(sp => sp.GetRequiredService<Modules.Runtime.PluginScopes>());
        services.AddSingleton<Modules.Runtime.PluginHotLoader>();
        // The background services of plugins loaded at run time, stopped with the host's.
        services.AddSingleton<Modules.Runtime.RuntimeHostedServices>();
        services.AddSingleton<Modules.Runtime.RuntimeEndpoints>();
        services.AddHostedService(sp => sp.GetRequiredService<Modules.Runtime.RuntimeHostedServices>());
        services.AddSingleton<Modules.Runtime.ModuleRuntime>();
        services.AddSingleton<Modules.Runtime.IModuleRuntime>(sp => sp.GetRequiredService<Modules.Runtime.ModuleRuntime>());
        services.AddSingleton<Crm.PluginSdk.Modules.IModuleAvailability>(sp => sp.GetRequiredService<Modules.Runtime.ModuleRuntime>());
        services.AddVersionedCachePolling<Modules.Runtime.ModuleRuntime>("Modules:StatePollInterval");
        // The platform's automation kinds come before the modules' (found by convention), so that theirs keep their names.
        Crm.PluginSdk.Automation.AutomationServices.AddAutomationCatalog(services);
        // Before the modules' purge owners: links are let go of (with their "updated" events) before the
        // CustomFields module deletes a link that could point only at purged types.
        services.AddScoped<IRecordTypeDataOwner, Marketplace.RecordLinkTypeData>();
        // Each module's services are registered whole or not at all; a fault refuses or fails it alone.
        ModuleRegistrar.Register(services, catalog, new ModuleContext(configuration), modulesLogger);
        // Activity types, planned items and timeline kinds: read through catalogs a plugin loaded at run time adds to.
        DeclaredPartsSetup.Add(services);

        services.AddSingleton<ModuleDataRunner>();
        services.AddSingleton<IEntityRegistry, EntityRegistry>();
        // The SDK's own handler: linked titles in search follow a renamed record.
        Crm.PluginSdk.Events.EventHandlerServices.AddEventHandler<SearchLinksRefresher>(services, SearchLinksRefresher.HandlerName);
        services.AddSingleton<ISchemaContributor, ModulesSchemaContributor>();
        services.AddSingleton<ISchemaContributor, ApiKeysSchemaContributor>();
        // An unknown default currency stops the host at start rather than at the first request.
        services.AddSingleton(new Currencies.CurrencyCatalog(configuration[Currencies.CurrencyCatalog.DefaultSetting]));
        services.AddSingleton<ISchemaContributor, Currencies.CurrenciesSchemaContributor>();
        services.AddSingleton<ISchemaContributor, EventDeliveriesSchemaContributor>();
        services.AddSingleton(new Marketplace.PluginFolders(modulesPath));
        services.AddScoped<Marketplace.MarketplaceFeeds>();
        services.AddScoped<Marketplace.PluginInstaller>();
        services.AddSingleton<Marketplace.RecordTypePurgeRunner>();
        services.AddScoped<IRecordTypeDataOwner, Marketplace.PlatformTypeData>();
        // Installs made by other hosts while this one runs are loaded here too.
        services.AddSingleton<Marketplace.PluginInstallTurn>();
        services.AddSingleton<Marketplace.InstalledPluginsFollower>();
        services.AddVersionedCachePolling<Marketplace.InstalledPluginsFollower>("Modules:StatePollInterval");
        services.AddScoped<Marketplace.InstalledPlugins>();
        services.AddSingleton<ISchemaContributor, Marketplace.MarketplaceSchemaContributor>();
        services.AddSingleton<SchemaProvider>();
        services.AddSingleton<IGraphQLTextSerializer>(new GraphQLSerializer(new ErrorInfoProvider(options =>
        {
            options.ExposeCode = true;
            options.ExposeCodes = false;
            options.ExposeData = true;
            options.ExposeExceptionDetails = false;
        })));
        // Queries run serially: a request's fields share one DbContext per module, which is not
        // thread-safe; batch loaders still gather every key of a level before they run.
        var liveExecution = new LiveExecutionStrategy(SerialExecutionStrategy.Instance);
        services.AddSingleton(liveExecution);
        services.AddSingleton<IDocumentExecuter>(new DocumentExecuter(
            new GraphQLDocumentBuilder(),
            new DocumentValidator(),
            new DefaultExecutionStrategySelector([
                new ExecutionStrategyRegistration(SerialExecutionStrategy.Instance, OperationType.Query),
                new ExecutionStrategyRegistration(SerialExecutionStrategy.Instance, OperationType.Mutation),
                // Each event's fields run serially too, in the subscription's own scope; live fields share each event's execution.
                new ExecutionStrategyRegistration(liveExecution, OperationType.Subscription),
            ]),
            []));
        services.AddSingleton<DocumentCache>();
        services.AddSingleton<GraphQLExecution>();
        services.AddSingleton<GraphQLHttpEndpoint>();
        services.AddSingleton<GraphQLWebSocketEndpoint>();
        services.AddSingleton<WebSocketSessions>();
        services.AddOptions<GraphQLWebSocketOptions>().Bind(configuration.GetSection("GraphQL:WebSocket"))
            .Validate(o => !o.Problems().Any(), "GraphQL:WebSocket has a limit that cannot work; see README, Subscriptions.").ValidateOnStart();
        // Subscriptions: one reader per live source on this host, woken by PostgreSQL's NOTIFY or its poll.
        services.AddOptions<LiveOptions>().Bind(configuration.GetSection("Live"))
            .Validate(o => !o.Problems().Any(), "Live has a setting that cannot work; see README, Subscriptions.").ValidateOnStart();
        // Admins' scripts (automation conditions and script actions): one sandbox for the host, its
        // prepared scripts shared by every run.
        services.AddOptions<Crm.PluginSdk.Scripting.ScriptSandboxOptions>().Bind(configuration.GetSection(Crm.PluginSdk.Scripting.ScriptSandboxOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Crm.PluginSdk.Scripting.ScriptSandboxOptions>, ScriptSandboxOptionsValidation>();
        services.AddSingleton<Crm.PluginSdk.Scripting.ScriptSandbox>();
        services.AddSingleton<LiveWakeUp>();
        services.AddSingleton<LiveStreams>();
        services.AddSingleton<Crm.PluginSdk.Live.ILiveStreams>(sp => sp.GetRequiredService<LiveStreams>());
        services.AddScoped<LiveSubscriberCredential>();
        services.AddScoped<LiveSharing>();
        services.AddSingleton(ApiKeyLimits.From(configuration));
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<BearerAuthenticator>();
        // One authentication for every endpoint, /graphql and those modules map alike.
        services.AddAuthentication(CrmAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, CrmAuthenticationHandler>(CrmAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddDomainEvents();
        services.AddSingleton<PlatformInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<PlatformInitializer>());
        // Durable scheduled work (Quartz), after the platform's start-up: the migrations made its tables.
        services.AddOptions<Scheduling.SchedulingOptions>().Bind(configuration.GetSection(Scheduling.SchedulingOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Scheduling.SchedulingOptions>, Scheduling.SchedulingOptionsValidation>();
        services.AddSingleton<Scheduling.ScheduledWorkHandlers>();
        services.AddSingleton<Scheduling.WorkScheduler>();
        services.AddSingleton<Crm.PluginSdk.Scheduling.IWorkScheduler>(sp => sp.GetRequiredService<Scheduling.WorkScheduler>());
        services.AddHostedService(sp => sp.GetRequiredService<Scheduling.WorkScheduler>());

        services.AddOptions<Jobs.JobOptions>().Bind(configuration.GetSection(Jobs.JobOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Jobs.JobOptions>, Jobs.JobOptionsValidation>();
        services.AddSingleton<Jobs.JobFiles>();
        services.AddSingleton<Jobs.JobSignals>();
        services.AddScoped<Jobs.JobStore>();
        services.AddScoped<Jobs.JobService>();
        services.AddScoped<Crm.PluginSdk.Jobs.IJobs>(sp => sp.GetRequiredService<Jobs.JobService>());
        services.AddSingleton<Jobs.JobRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<Jobs.JobRunner>());
        services.AddSingleton<ISchemaContributor, Jobs.JobsSchemaContributor>();

        services.AddOptions<Uploads.UploadOptions>().Bind(configuration.GetSection(Uploads.UploadOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<Uploads.UploadOptions>, Uploads.UploadOptionsValidation>();
        services.AddScoped<Uploads.UploadStore>();
        services.AddScoped<Crm.PluginSdk.Uploads.IUploads>(sp => sp.GetRequiredService<Uploads.UploadStore>());
        services.AddSingleton<Uploads.UploadSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<Uploads.UploadSweeper>());
        services.AddSingleton<ISchemaContributor, Uploads.UploadsSchemaContributor>();
    }

    /// <summary>The <c>Limits</c> section; limits that cannot work (on this engine) stop the start with every reason.</summary>
    public static QueryLimits ReadQueryLimits(IConfiguration configuration, DatabaseProvider provider)
    {
        var limits = configuration.GetSection("Limits").Get<QueryLimits>() ?? new QueryLimits();
        var problems = limits.Problems(provider);
        return problems.Count == 0 ? limits : throw new InvalidOperationException(string.Join(" ", problems));
    }

    public static DatabaseOptions ReadDatabaseOptions(IConfiguration configuration)
    {
        var providerText = configuration["Database:Provider"];
        var provider = DatabaseProvider.Sqlite;
        if (!string.IsNullOrEmpty(providerText) && !Enum.TryParse(providerText, ignoreCase: true, out provider))
        {
            throw new InvalidConfigurationException($"Database:Provider '{providerText}' is not known; use Sqlite or Postgres.");
        }

        var connectionString = configuration.GetConnectionString("Crm");
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidConfigurationException("Database:Provider is Postgres, so ConnectionStrings:Crm (ConnectionStrings__Crm) must name the database.");
            }

            Npgsql.NpgsqlConnectionStringBuilder postgres;
            try
            {
                postgres = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidConfigurationException($"Database:Provider is Postgres, but ConnectionStrings:Crm is not a PostgreSQL connection string: {ex.Message}");
            }

            // EF Core opens and closes the scope's connection around each statement, and a pooled
            // connection that was closed sends DISCARD ALL before its next statement: 4-6 a request.
            // Nothing of the platform keeps session state (SET, temporary tables, session advisory
            // locks, prepared statements, LISTEN are all transaction-scoped or on connections of
            // their own), so the reset only costs: see README, "Database connections".
            postgres.NoResetOnClose = true;

            // The platform sends the same few hundred statements over and over: prepared on each
            // connection after their second use, PostgreSQL skips parsing and, mostly, planning
            // them (about a quarter of its CPU for a record by id). A connection string that says
            // otherwise wins: see README, "Database connections".
            var given = GivenKeywords(connectionString);
            if (!given.Contains("maxautoprepare"))
            {
                postgres.MaxAutoPrepare = DefaultMaxAutoPrepare;
                if (!given.Contains("autoprepareminusages"))
                {
                    postgres.AutoPrepareMinUsages = 2;
                }
            }

            return new DatabaseOptions { Provider = provider, ConnectionString = postgres.ConnectionString };
        }

        // SQLite: a file under ./data unless told otherwise; the folder is made on first start.
        SqliteConnectionStringBuilder sqlite;
        try
        {
            sqlite = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString) ? "Data Source=data/crm.db" : connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidConfigurationException($"ConnectionStrings:Crm is not a SQLite connection string: {ex.Message}");
        }

        if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && sqlite.Mode != SqliteOpenMode.Memory)
        {
            sqlite.DataSource = Path.GetFullPath(file);
            var folder = Path.GetDirectoryName(sqlite.DataSource)!;
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidConfigurationException($"the SQLite database {sqlite.DataSource} (ConnectionStrings:Crm) cannot be kept in {folder}: {ex.Message}");
            }
        }

        sqlite.Pooling = true;
        return new DatabaseOptions { Provider = provider, ConnectionString = sqlite.ToString() };
    }

    /// <summary>The keywords a connection string sets, lower case without spaces (Npgsql's builder knows every keyword, set or not).</summary>
    private static HashSet<string> GivenKeywords(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.Keys.Cast<string>().Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
    }

    public static void MapPlatform(WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseMiddleware<RequestFailureMiddleware>();
        app.UseClientAddresses();
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(webRoot))
        {
            app.UseStaticFiles(ConsolePages.StaticFileOptions(webRoot));
        }

        // After the client address is known; before every endpoint. An exception (the database
        // down while a key is checked) reaches RequestFailureMiddleware.
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseWebSockets();
        app.MapHealthEndpoints();
        app.MapJobDownloads();
        app.MapModuleIcons();
        Uploads.UploadEndpoint.MapUploads(app);
        // The console at / and its client routes (a browser's GET of a path with no endpoint).
        app.MapConsole();
        app.MapMethods("/graphql", ["GET", "POST", "PUT", "PATCH", "DELETE"], (HttpContext http, GraphQLHttpEndpoint endpoint, GraphQLWebSocketEndpoint sockets) =>
            http.WebSockets.IsWebSocketRequest ? sockets.HandleAsync(http) : endpoint.HandleAsync(http));
        // A module whose endpoints cannot be mapped fails alone; what it mapped before it threw
        // stays mapped (routes cannot be taken back), and it is out of service.
        var catalog = app.Services.GetRequiredService<ModuleCatalog>();
        // A module's endpoints carry their module, and answer 404 while it is disabled (routes cannot be taken back).
        app.Use((http, next) => http.GetEndpoint()?.Metadata.GetMetadata<ModuleEntry>() is { } owner && !catalog.InService(owner)
            ? Results.NotFound().ExecuteAsync(http)
            : next(http));
        // The endpoints of plugins loaded at run time join through a data source of their own (RuntimeEndpoints).
        ((IEndpointRouteBuilder)app).DataSources.Add(app.Services.GetRequiredService<Modules.Runtime.RuntimeEndpoints>());
        foreach (var contributor in app.Services.GetServices<IEndpointContributor>())
        {
            try
            {
                if (catalog.OwnerOf(contributor.GetType().Assembly) is { } owner)
                {
                    contributor.MapEndpoints(app.MapGroup("").WithMetadata(owner));
                }
                else
                {
                    contributor.MapEndpoints(app);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException && catalog.OwnerOf(contributor.GetType().Assembly) is { } module)
            {
                catalog.Fail(module, $"its endpoint contributor {contributor.GetType().Name} threw {ModuleCatalog.Describe(ex)}", ex,
                    app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Crm.Host.Modules"));
            }
        }
    }
}
