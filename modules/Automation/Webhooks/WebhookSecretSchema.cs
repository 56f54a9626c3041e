using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Webhooks;

/// <summary>A new secret, shown this once, and where to call; or why there is none.</summary>
public sealed record WebhookSecretPayload(string? Secret, string? Path, IReadOnlyList<UserError> Errors);

/// <summary>
/// <c>rotateAutomationWebhookSecret(ruleId:)</c>: makes the rule's incoming webhook secret, or
/// replaces it (the old one stops working at once). Needs the settings right. The secret is 256
/// random bits, shown in this answer only; the database keeps its SHA-256.
/// </summary>
public sealed class WebhookSecretSchema : ISchemaContributor
{
    public const string SecretPrefix = "whsec_";

    public void Contribute(SchemaComposer composer)
    {
        var payload = new ObjectGraphType { Name = "AutomationWebhookSecretPayload", Description = "A rule's new incoming webhook secret (shown this once) and the path to call." };
        payload.AddField(SharedGraphTypes.Field<WebhookSecretPayload>("secret", typeof(StringGraphType), p => p.Secret, $"Send it in the {IncomingWebhookEndpoint.SecretHeader} header. It is not shown again."));
        payload.AddField(SharedGraphTypes.Field<WebhookSecretPayload>("path", typeof(StringGraphType), p => p.Path, "The path to POST to, on this host."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((WebhookSecretPayload)c.Source!).Errors) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "rotateAutomationWebhookSecret",
            Description = "Makes (or replaces) a rule's incoming webhook secret; the old one stops working at once. Needs the settings right.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "ruleId" }),
            Resolver = new FuncFieldResolver<object?>(async c => await RotateAsync(c.RequestServices!, c.GetArgument<object>("ruleId"), c.CancellationToken)),
        });
    }

    private static async Task<WebhookSecretPayload> RotateAsync(IServiceProvider services, object raw, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (actor.RefuseUnlessCanConfigure("Making a rule's webhook secret") is { } refused)
        {
            return new WebhookSecretPayload(null, null, [refused]);
        }

        if (!RecordIds.TryParse(raw, out var ruleId))
        {
            return new WebhookSecretPayload(null, null, [RecordIds.Invalid(raw, "automation rule", "ruleId")]);
        }

        var db = services.GetRequiredService<AutomationDbContext>();
        if (!await db.Rules.AnyAsync(r => r.Id == ruleId, cancellationToken))
        {
            return new WebhookSecretPayload(null, null, [UserError.At(ErrorCodes.NotFound, $"No automation rule {ruleId.ToString(CultureInfo.InvariantCulture)}.", "ruleId")]);
        }

        var secret = SecretPrefix + WebhookGate.NewSecret();
        var hash = WebhookGate.Hash(secret);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        // An update, else an insert; an insert that finds another rotation's row (a race) updates it (the last one wins).
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var updated = await db.WebhookSecrets.Where(s => s.RuleId == ruleId)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.SecretHash, hash).SetProperty(s => s.CreatedAt, now).SetProperty(s => s.CreatedById, actor.UserId), cancellationToken);
            if (updated > 0 || await db.InsertUnlessTakenAsync(new WebhookSecret { RuleId = ruleId, SecretHash = hash, CreatedAt = now, CreatedById = actor.UserId }, [nameof(WebhookSecret.RuleId)], cancellationToken))
            {
                break;
            }
        }

        return new WebhookSecretPayload(secret, IncomingWebhookEndpoint.PathOf(ruleId), []);
    }

}
