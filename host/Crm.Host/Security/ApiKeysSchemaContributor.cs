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

public sealed record DeleteApiKeyPayload(long? DeletedId, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>apiKeys</c>, <c>createApiKey</c>, <c>revokeApiKey</c>, <c>deleteApiKey</c>, all with the settings
/// right. A key acts as its user, with the user's rights; it is refused once expired or revoked, and
/// while the user is disabled. Only its hash is stored: the key is shown once, when created. At most
/// <see cref="ApiKeyLimits.MaxKeys"/> are stored.
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
        composer.AddUserField<ApiKey>(apiKey, "user", "The user the key acts as (loaded with the other keys' users in one batch); null once that user is deleted.", k => k.UserId);
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

        var deletePayload = new ObjectGraphType { Name = "DeleteApiKeyPayload", Description = "The deleted key's id, or why not." };
        deletePayload.AddField(SharedGraphTypes.Field<DeleteApiKeyPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture), "The id of the deleted key; null when refused."));
        deletePayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((DeleteApiKeyPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteApiKey",
            Description = "Deletes an API key for good, making room under ApiKeys:MaxKeys; a key still live stops working as if revoked. Needs the settings right; an administrator's key only an administrator deletes.",
            ResolvedType = new NonNullGraphType(deletePayload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c => await DeleteAsync(c.RequestServices!, c.GetArgument<object>("id"), c.CancellationToken)),
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

        var (stored, key, refusal) = await services.GetRequiredService<ApiKeyService>().CreateAsync(userId, name, expiresAt, cancellationToken);
        return refusal is null ? new CreateApiKeyPayload(stored, key, []) : new CreateApiKeyPayload(null, null, [refusal]);
    }

    private static async Task<RevokeApiKeyPayload> RevokeAsync(IServiceProvider services, object idValue, CancellationToken cancellationToken)
    {
        var (found, refusal) = await KeyToChangeAsync(services, ("Revoking", "revoke"), idValue, cancellationToken);
        return found is null
            ? new RevokeApiKeyPayload(null, [refusal!])
            : new RevokeApiKeyPayload(await services.GetRequiredService<ApiKeyService>().RevokeAsync(found.Id, cancellationToken), []);
    }

    private static async Task<DeleteApiKeyPayload> DeleteAsync(IServiceProvider services, object idValue, CancellationToken cancellationToken)
    {
        var (found, refusal) = await KeyToChangeAsync(services, ("Deleting", "delete"), idValue, cancellationToken);
        if (found is null)
        {
            return new DeleteApiKeyPayload(null, [refusal!]);
        }

        // Deleted meanwhile by another admin: said as for any key that is not there.
        return await services.GetRequiredService<ApiKeyService>().DeleteAsync(found.Id, cancellationToken)
            ? new DeleteApiKeyPayload(found.Id, [])
            : new DeleteApiKeyPayload(null, [Refusals.NotFound("API key", found.Id, "id")]);
    }

    /// <summary>The key a revoke or delete may change, or why not: the settings right, an existing key, and an administrator's key only for an administrator.</summary>
    private static async Task<(ApiKey? Found, UserError? Refusal)> KeyToChangeAsync(IServiceProvider services, (string Doing, string Do) verb, object idValue, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.RefuseUnlessCanConfigure($"{verb.Doing} API keys") is { } forbidden)
        {
            return (null, forbidden);
        }

        if (!RecordIds.TryParse(idValue, out var id))
        {
            return (null, RecordIds.Invalid(idValue, "API key", "id"));
        }

        var found = await services.GetRequiredService<ApiKeyService>().FindAsync(id, cancellationToken);
        if (found is null)
        {
            return (null, Refusals.NotFound("API key", id, "id"));
        }

        return found.IsAdministrator && !actor.IsAdministrator
            ? (null, UserError.At(ErrorCodes.Forbidden, $"Only an administrator can {verb.Do} an administrator's key.", "id"))
            : (found, null);
    }
}
