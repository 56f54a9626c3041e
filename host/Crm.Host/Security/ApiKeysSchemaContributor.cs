using System.Globalization;
using Crm.Host.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.Security;

public sealed record CreateApiKeyPayload(ApiKey? ApiKey, string? Key, IReadOnlyList<UserError> Errors);

public sealed record RevokeApiKeyPayload(ApiKey? ApiKey, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>apiKeys</c>, <c>createApiKey</c>, <c>revokeApiKey</c>, all with the settings right. A key
/// acts as its user, with the user's rights; it is refused once expired or revoked, and while
/// the user is disabled. Only its hash is stored: the key is shown once, when created.
/// </summary>
public sealed class ApiKeysSchemaContributor : ISchemaContributor
{
    public const int MaxNameLength = 200;

    public void Contribute(SchemaComposer composer)
    {
        var apiKey = new ObjectGraphType { Name = "ApiKey", Description = "An API key, without the key itself." };
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("id", typeof(NonNullGraphType<IdGraphType>), k => k.Id.ToString(CultureInfo.InvariantCulture)));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("name", typeof(NonNullGraphType<StringGraphType>), k => k.Name));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("prefix", typeof(NonNullGraphType<StringGraphType>), k => k.Prefix, "The key's first characters, to tell keys apart."));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("userId", typeof(NonNullGraphType<IdGraphType>), k => k.UserId.ToString(CultureInfo.InvariantCulture), "The user the key acts as."));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("isAdministrator", typeof(NonNullGraphType<BooleanGraphType>), k => k.IsAdministrator, "The bootstrap administrator's key: may do everything."));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), k => k.CreatedAt));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("expiresAt", typeof(DateTimeGraphType), k => k.ExpiresAt));
        apiKey.AddField(SharedGraphTypes.Field<ApiKey>("revokedAt", typeof(DateTimeGraphType), k => k.RevokedAt));
        var errors = SchemaComposer.NonNullList(composer.Types.UserError);

        composer.Query.AddField(new FieldType
        {
            Name = "apiKeys",
            Description = "Every API key, newest first (never the keys themselves). Needs the settings right.",
            ResolvedType = SchemaComposer.NonNullList(apiKey),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                if (!c.RequestServices!.GetRequiredService<ICurrentActor>().CanConfigure)
                {
                    throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Listing API keys"));
                }

                return await c.RequestServices!.GetRequiredService<ApiKeyService>().ListAsync(c.CancellationToken);
            }),
        });

        var createInput = new InputObjectGraphType { Name = "CreateApiKeyInput", Description = "A new API key." };
        createInput.AddField(new FieldType { Name = "userId", Type = typeof(NonNullGraphType<IdGraphType>), Description = "The active user (a person or an integration) the key acts as, with their rights." });
        createInput.AddField(new FieldType { Name = "name", Type = typeof(NonNullGraphType<StringGraphType>), Description = "What the key is for." });
        createInput.AddField(new FieldType { Name = "expiresAt", Type = typeof(DateTimeGraphType), Description = "When it stops working; never when left out." });
        var createPayload = new ObjectGraphType { Name = "CreateApiKeyPayload", Description = "The new key (shown only here), or why not." };
        createPayload.AddField(new FieldType { Name = "apiKey", ResolvedType = apiKey, Resolver = new FuncFieldResolver<object?>(c => ((CreateApiKeyPayload)c.Source!).ApiKey) });
        createPayload.AddField(SharedGraphTypes.Field<CreateApiKeyPayload>("key", typeof(StringGraphType), p => p.Key, "The key: send it as 'Authorization: Bearer <key>'. Shown this once; only its hash is kept."));
        createPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((CreateApiKeyPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "createApiKey",
            Description = "Creates an API key for a user. Needs the settings right, and rights covering the user's.",
            ResolvedType = new NonNullGraphType(createPayload),
            Arguments = new QueryArguments(new QueryArgument(new NonNullGraphType(createInput)) { Name = "input" }),
            Resolver = new FuncFieldResolver<object?>(async c => await CreateAsync(c.RequestServices!, c.GetArgument<Dictionary<string, object?>>("input"), c.CancellationToken)),
        });

        var revokePayload = new ObjectGraphType { Name = "RevokeApiKeyPayload", Description = "The revoked key, or why not." };
        revokePayload.AddField(new FieldType { Name = "apiKey", ResolvedType = apiKey, Resolver = new FuncFieldResolver<object?>(c => ((RevokeApiKeyPayload)c.Source!).ApiKey) });
        revokePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((RevokeApiKeyPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "revokeApiKey",
            Description = "Revokes an API key: refused from the next request on. Needs the settings right; an administrator's key only an administrator revokes.",
            ResolvedType = new NonNullGraphType(revokePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => await RevokeAsync(c.RequestServices!, c.GetArgument<object>("id"), c.CancellationToken)),
        });
    }

    private static async Task<CreateApiKeyPayload> CreateAsync(IServiceProvider services, Dictionary<string, object?> input, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.RefuseUnlessCanConfigure("Creating API keys") is { } forbidden)
        {
            return new CreateApiKeyPayload(null, null, [forbidden]);
        }

        var errors = new List<UserError>();
        var name = (input["name"] as string)?.Trim() ?? "";
        if (name.Length == 0)
        {
            errors.Add(UserError.At(ErrorCodes.Required, "'name' cannot be empty.", "input", "name"));
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add(UserError.At(ErrorCodes.TooLong, $"'name' is {name.Length} characters long; the limit is {MaxNameLength}.", "input", "name"));
        }

        var clock = services.GetRequiredService<TimeProvider>();
        DateTime? expiresAt = input.TryGetValue("expiresAt", out var expires) && expires is DateTime at ? at.ToUniversalTime()
            : expires is DateTimeOffset offset ? offset.UtcDateTime : null;
        if (expiresAt is { } e && e <= clock.GetUtcNow().UtcDateTime)
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, "'expiresAt' must be in the future.", "input", "expiresAt"));
        }

        if (!RecordIds.TryParse(input["userId"], out var userId))
        {
            errors.Add(RecordIds.Invalid(input["userId"], "user", "input", "userId"));
        }
        else
        {
            // Without a Permissions module there is only the bootstrap administrator.
            var provider = services.GetService<IAccessRightsProvider>();
            var rights = provider is null
                ? userId == ApiKeyService.BootstrapAdministratorId ? AccessRights.Everything(userId) : null
                : await provider.RightsAsync(userId, cancellationToken);
            if (rights is null)
            {
                errors.Add(Refusals.NotFound("active user", userId, "input", "userId"));
            }
            else if (actor.UserId != userId && !actor.Rights.Covers(rights))
            {
                errors.Add(UserError.At(ErrorCodes.Forbidden, "That user has rights yours do not cover; only an administrator can make a key for them.", "input", "userId"));
            }
        }

        if (errors.Count > 0)
        {
            return new CreateApiKeyPayload(null, null, errors);
        }

        var (stored, key) = await services.GetRequiredService<ApiKeyService>().CreateAsync(userId, name, expiresAt, cancellationToken);
        return new CreateApiKeyPayload(stored, key, []);
    }

    private static async Task<RevokeApiKeyPayload> RevokeAsync(IServiceProvider services, object idValue, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.RefuseUnlessCanConfigure("Revoking API keys") is { } forbidden)
        {
            return new RevokeApiKeyPayload(null, [forbidden]);
        }

        if (!RecordIds.TryParse(idValue, out var id))
        {
            return new RevokeApiKeyPayload(null, [RecordIds.Invalid(idValue, "API key", "id")]);
        }

        var keys = services.GetRequiredService<ApiKeyService>();
        var found = await keys.FindAsync(id, cancellationToken);
        if (found is null)
        {
            return new RevokeApiKeyPayload(null, [Refusals.NotFound("API key", id, "id")]);
        }

        if (found.IsAdministrator && !actor.IsAdministrator)
        {
            return new RevokeApiKeyPayload(null, [UserError.At(ErrorCodes.Forbidden, "Only an administrator can revoke an administrator's key.", "id")]);
        }

        return new RevokeApiKeyPayload(await keys.RevokeAsync(id, cancellationToken), []);
    }
}
