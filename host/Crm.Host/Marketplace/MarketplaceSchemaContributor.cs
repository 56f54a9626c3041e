using System.Globalization;
using Crm.Host.Modules;
using Crm.Host.Modules.Runtime;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.Marketplace;

/// <summary>What a marketplace mutation answers: the plugin (feed, publisher) it changed, or why not.</summary>
public sealed record MarketplacePayload(object? Result, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>marketplace { feeds trustedPublishers available installed }</c> and the mutations that add and
/// remove feeds, trust and untrust publishers, and install, upgrade and uninstall plugins. All need
/// the settings right; refusals are <c>UserError</c>s.
/// </summary>
public sealed class MarketplaceSchemaContributor : ISchemaContributor
{
    private sealed class MarketplaceRoot
    {
        public static readonly MarketplaceRoot Instance = new();
    }

    public void Contribute(SchemaComposer composer)
    {
        var capability = new EnumerationGraphType { Name = "PluginCapability", Description = "What a plugin may ask an admin to grant it." };
        capability.Add("OUTBOUND_HTTP", PluginCapability.OutboundHttp, "Calls to other servers over HTTP.");
        capability.Add("SEND_MAIL", PluginCapability.SendMail, "Sends e-mail through the platform's mail settings.");
        capability.Add("READ_ALL_RECORDS", PluginCapability.ReadAllRecords, "Reads every record of every type, past the signed-in user's rights.");
        var state = new EnumerationGraphType { Name = "PluginRunState", Description = "Where a plugin (or built-in module) stands on this host." };
        state.Add("ENABLED", ModuleRunState.Enabled, "In service.");
        state.Add("DISABLED", ModuleRunState.Disabled, "Taken out of service by an admin.");
        state.Add("PENDING_RESTART", ModuleRunState.PendingRestart, "Installed, upgraded or uninstalled: applied when this host starts next (see reason).");
        state.Add("FAILED", ModuleRunState.Failed, "Its own code threw at an entry point (see reason).");
        state.Add("REFUSED", ModuleRunState.Refused, "Turned away before it ran (see reason).");
        var pending = new EnumerationGraphType { Name = "PendingPluginAction", Description = "What the next start of each host does to an installed plugin." };
        pending.Add("NONE", PendingPluginAction.None, "Nothing.");
        pending.Add("UPGRADE", PendingPluginAction.Upgrade, "Swaps in the pending version.");
        pending.Add("UNINSTALL", PendingPluginAction.Uninstall, "Removes the plugin (and with purgeData its data).");
        var capabilities = SchemaComposer.NonNullList(capability);

        var feed = new ObjectGraphType { Name = "PluginFeed", Description = "A feed of plugin packages: a folder or an http(s) URL with an index.json." };
        feed.AddField(SharedGraphTypes.Field<PluginFeed>("id", typeof(NonNullGraphType<IdGraphType>), f => f.Id.ToString(CultureInfo.InvariantCulture)));
        feed.AddField(SharedGraphTypes.Field<PluginFeed>("url", typeof(NonNullGraphType<StringGraphType>), f => f.Url));
        feed.AddField(SharedGraphTypes.Field<PluginFeed>("addedAt", typeof(NonNullGraphType<DateTimeGraphType>), f => f.AddedAt));
        feed.AddField(new FieldType
        {
            Name = "problem",
            Type = typeof(StringGraphType),
            Description = "Why the feed cannot be read now (it is read when asked); null when it can.",
            Resolver = new FuncFieldResolver<object?>(async c => (await c.RequestServices!.GetRequiredService<MarketplaceFeeds>().ReadAsync(c.CancellationToken)).Problems.GetValueOrDefault(((PluginFeed)c.Source!).Url)),
        });

        var publisher = new ObjectGraphType { Name = "TrustedPublisher", Description = "A publisher whose signed packages this deployment installs." };
        publisher.AddField(SharedGraphTypes.Field<TrustedPublisher>("publisher", typeof(NonNullGraphType<StringGraphType>), p => p.Publisher));
        publisher.AddField(SharedGraphTypes.Field<TrustedPublisher>("publicKey", typeof(NonNullGraphType<StringGraphType>), p => p.PublicKey, "Base64 of the ECDSA P-256 public key (SubjectPublicKeyInfo)."));
        publisher.AddField(SharedGraphTypes.Field<TrustedPublisher>("keyId", typeof(NonNullGraphType<StringGraphType>), p => p.KeyId, "The key's fingerprint: the first 16 hex digits of its SHA-256."));
        publisher.AddField(SharedGraphTypes.Field<TrustedPublisher>("addedAt", typeof(NonNullGraphType<DateTimeGraphType>), p => p.AddedAt));

        var dependency = new ObjectGraphType { Name = "PluginDependency", Description = "A module a plugin needs, and the versions of it that will do." };
        dependency.AddField(SharedGraphTypes.Field<PackageDependency>("id", typeof(NonNullGraphType<StringGraphType>), d => d.Id));
        dependency.AddField(SharedGraphTypes.Field<PackageDependency>("range", typeof(NonNullGraphType<StringGraphType>), d => d.Range, "A NuGet version range."));

        var available = new ObjectGraphType { Name = "AvailablePlugin", Description = "A package version a feed offers." };
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("id", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.Id));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("version", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.Version));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("publisher", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.Publisher));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("name", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.Name ?? a.Entry.Id));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("description", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.Description));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("sdkVersionRange", typeof(NonNullGraphType<StringGraphType>), a => a.Entry.SdkVersionRange));
        available.AddField(new FieldType { Name = "dependencies", ResolvedType = SchemaComposer.NonNullList(dependency), Resolver = new FuncFieldResolver<object?>(c => ((AvailablePlugin)c.Source!).Entry.Dependencies) });
        available.AddField(new FieldType { Name = "capabilities", Description = "What it asks to be granted.", ResolvedType = capabilities, Resolver = new FuncFieldResolver<object?>(c => ((AvailablePlugin)c.Source!).Entry.Capabilities) });
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("feed", typeof(NonNullGraphType<StringGraphType>), a => a.Feed));
        available.AddField(SharedGraphTypes.Field<AvailablePlugin>("size", typeof(NonNullGraphType<FloatGraphType>), a => (double)a.Entry.Size, "The package's bytes."));

        var installed = new ObjectGraphType { Name = "InstalledPlugin", Description = "A module of this host, built in or installed from a feed, with its state and what it was granted." };
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("id", typeof(NonNullGraphType<StringGraphType>), p => p.Id));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("version", typeof(StringGraphType), p => p.Version));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("publisher", typeof(StringGraphType), p => p.Publisher, "Null for a built-in module."));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("name", typeof(StringGraphType), p => p.Name));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("builtIn", typeof(NonNullGraphType<BooleanGraphType>), p => p.BuiltIn, "Shipped with the platform, not installed from a feed."));
        installed.AddField(new FieldType { Name = "state", ResolvedType = new NonNullGraphType(state), Resolver = new FuncFieldResolver<object?>(c => ((InstalledPlugin)c.Source!).State) });
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("reason", typeof(StringGraphType), p => p.Reason, "Why it is not in service, or what the next start does; null while it is in service."));
        installed.AddField(new FieldType { Name = "capabilities", Description = "What it was granted at install (a built-in module's: what its manifest states).", ResolvedType = capabilities, Resolver = new FuncFieldResolver<object?>(c => ((InstalledPlugin)c.Source!).Capabilities) });
        installed.AddField(new FieldType { Name = "pendingAction", ResolvedType = new NonNullGraphType(pending), Resolver = new FuncFieldResolver<object?>(c => ((InstalledPlugin)c.Source!).Install?.PendingAction ?? PendingPluginAction.None) });
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("pendingVersion", typeof(StringGraphType), p => p.Install?.PendingVersion));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("purgeData", typeof(NonNullGraphType<BooleanGraphType>), p => p.Install?.PurgeData ?? false, "With a pending uninstall: whether its data goes too."));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("feed", typeof(StringGraphType), p => p.Install?.Feed));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("installedAt", typeof(DateTimeGraphType), p => p.Install?.InstalledAt));
        installed.AddField(SharedGraphTypes.Field<InstalledPlugin>("iconUrl", typeof(StringGraphType), p => p.IconUrl,
            $"Where its icon is served (GET /modules/{{id}}/icon: a .png or .svg of at most {ModuleIcons.MaxBytes / 1024} KiB from its folder, no sign-in); null when this host has not loaded a manifest naming one."));

        var marketplace = new ObjectGraphType { Name = "Marketplace", Description = "Plugins: the feeds read, the publishers trusted, what the feeds offer and what is installed." };
        marketplace.AddField(new FieldType { Name = "feeds", ResolvedType = SchemaComposer.NonNullList(feed), Resolver = new FuncFieldResolver<object?>(async c => await Feeds(c).FeedsAsync(c.CancellationToken)) });
        marketplace.AddField(new FieldType { Name = "trustedPublishers", ResolvedType = SchemaComposer.NonNullList(publisher), Resolver = new FuncFieldResolver<object?>(async c => await Feeds(c).TrustedPublishersAsync(c.CancellationToken)) });
        marketplace.AddField(new FieldType
        {
            Name = "available",
            Description = $"Every package version the feeds offer, read now (at most {PackageLimits.MaxIndexEntries} per feed); a feed that cannot be read says why in feeds.problem.",
            ResolvedType = SchemaComposer.NonNullList(available),
            Resolver = new FuncFieldResolver<object?>(async c => (await Feeds(c).ReadAsync(c.CancellationToken)).Available),
        });
        marketplace.AddField(new FieldType
        {
            Name = "installed",
            Description = "Every module of this host (built-in ones last) and every plugin installed in the deployment that this host has not loaded yet.",
            ResolvedType = SchemaComposer.NonNullList(installed),
            Resolver = new FuncFieldResolver<object?>(async c => await c.RequestServices!.GetRequiredService<InstalledPlugins>().ListAsync(c.CancellationToken)),
        });
        composer.Query.AddField(new FieldType
        {
            Name = "marketplace",
            Description = "The extension marketplace. Needs the settings right.",
            ResolvedType = new NonNullGraphType(marketplace),
            Resolver = new FuncFieldResolver<object?>(c => c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure
                ? MarketplaceRoot.Instance
                : throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Reading the marketplace"))),
        });

        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        ObjectGraphType Payload(string name, string field, IGraphType type)
        {
            var payload = new ObjectGraphType { Name = name };
            payload.AddField(new FieldType { Name = field, ResolvedType = type, Resolver = new FuncFieldResolver<object?>(c => ((MarketplacePayload)c.Source!).Result) });
            payload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((MarketplacePayload)c.Source!).Errors) });
            return payload;
        }

        void Mutation(string name, string description, ObjectGraphType payload, QueryArguments arguments, string what, Func<IResolveFieldContext, long, Task<object?>> run) =>
            composer.Mutation.AddField(new FieldType
            {
                Name = name,
                Description = description + " Needs the settings right.",
                ResolvedType = new NonNullGraphType(payload),
                Arguments = arguments,
                Resolver = new FuncFieldResolver<object?>(async c =>
                {
                    var actor = c.RequestServices!.GetRequiredService<ICurrentActor>();
                    if (actor.RefuseUnlessCanConfigure(what) is { } forbidden)
                    {
                        return new MarketplacePayload(null, [forbidden]);
                    }

                    try
                    {
                        return new MarketplacePayload(await run(c, actor.UserId ?? 0), []);
                    }
                    catch (PluginRefusedException ex)
                    {
                        return new MarketplacePayload(null, [UserError.At(ex.Code, ex.Message)]);
                    }
                }),
            });

        static QueryArguments Arguments(params QueryArgument[] arguments) => new(arguments);
        static QueryArgument Text(string name, bool required = true) => required
            ? new QueryArgument<NonNullGraphType<StringGraphType>> { Name = name }
            : new QueryArgument<StringGraphType> { Name = name };
        static string Bounded(IResolveFieldContext c, string name, int limit) =>
            c.GetArgument<string?>(name) is { } value && value.Length <= limit ? value
            : throw new PluginRefusedException(ErrorCodes.TooLong, $"'{name}' is at most {limit} characters.");

        Mutation("addPluginFeed", $"Adds a feed: an http(s) URL or an absolute folder path with an index.json (at most {PackageLimits.MaxFeeds} feeds).",
            Payload("AddPluginFeedPayload", "feed", feed), Arguments(Text("url")), "Adding plugin feeds", async (c, by) =>
            {
                var (added, error) = await Feeds(c).AddFeedAsync(Bounded(c, "url", PackageLimits.MaxFeedLength), by, c.CancellationToken);
                return error is null ? added : throw new PluginRefusedException(error.Code, error.Message);
            });
        Mutation("removePluginFeed", "Removes a feed; plugins installed from it stay (a host that lacks one fetches it there, though).",
            Payload("RemovePluginFeedPayload", "removed", new NonNullGraphType(new BooleanGraphType())), Arguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }), "Removing plugin feeds",
            async (c, _) => RecordIds.TryParse(c.GetArgument<object>("id"), out var id) ? await Feeds(c).RemoveFeedAsync(id, c.CancellationToken)
                : throw new PluginRefusedException(ErrorCodes.InvalidId, "'id' is not a feed's id."));
        Mutation("trustPublisher", "Trusts a publisher's key (replacing the one it had): packages signed with it can be installed.",
            Payload("TrustPublisherPayload", "trustedPublisher", publisher), Arguments(Text("publisher"), Text("publicKey")), "Trusting publishers", async (c, by) =>
            {
                var (trusted, error) = await Feeds(c).TrustAsync(Bounded(c, "publisher", Modules.ModuleLoader.MaxPublisherLength), Bounded(c, "publicKey", PackageLimits.MaxPublicKeyLength), by, c.CancellationToken);
                return error is null ? trusted : throw new PluginRefusedException(error.Code, error.Message);
            });
        Mutation("untrustPublisher", "Stops trusting a publisher: its packages are refused from now on (installed ones stay).",
            Payload("UntrustPublisherPayload", "removed", new NonNullGraphType(new BooleanGraphType())), Arguments(Text("publisher")), "Untrusting publishers",
            async (c, _) => await Feeds(c).UntrustAsync(Bounded(c, "publisher", Modules.ModuleLoader.MaxPublisherLength), c.CancellationToken));
        Mutation("installPlugin", "Installs a plugin from the first feed that offers it (the newest version unless one is given), verified against its publisher's trusted key, the SDK and its dependencies.",
            Payload("InstallPluginPayload", "plugin", installed), Arguments(Text("id"), Text("version", required: false)), "Installing plugins", async (c, by) =>
            {
                var install = await Installer(c).InstallAsync(Bounded(c, "id", 100), c.GetArgument<string?>("version") is null ? null : Bounded(c, "version", 100), by, c.CancellationToken);
                return c.RequestServices!.GetRequiredService<InstalledPlugins>().Of(install);
            });
        Mutation("upgradePlugin", "Verifies a newer version and upgrades to it at each host's next start.",
            Payload("UpgradePluginPayload", "plugin", installed), Arguments(Text("id"), Text("version", required: false)), "Upgrading plugins", async (c, _) =>
            {
                var install = await Installer(c).UpgradeAsync(Bounded(c, "id", 100), c.GetArgument<string?>("version") is null ? null : Bounded(c, "version", 100), c.CancellationToken);
                return c.RequestServices!.GetRequiredService<InstalledPlugins>().Of(install);
            });
        Mutation("uninstallPlugin", "Uninstalls a plugin at each host's next start; its data stays unless purgeData is true.",
            Payload("UninstallPluginPayload", "plugin", installed), Arguments(Text("id"), new QueryArgument<BooleanGraphType> { Name = "purgeData", DefaultValue = false }), "Uninstalling plugins", async (c, _) =>
            {
                var install = await Installer(c).UninstallAsync(Bounded(c, "id", 100), c.GetArgument("purgeData", false), c.CancellationToken);
                return c.RequestServices!.GetRequiredService<InstalledPlugins>().Of(install);
            });
    }

    private static MarketplaceFeeds Feeds(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<MarketplaceFeeds>();

    private static PluginInstaller Installer(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<PluginInstaller>();
}
