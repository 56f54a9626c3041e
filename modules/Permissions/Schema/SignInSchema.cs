using Crm.Modules.Permissions.SignIn;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Permissions.Schema;

/// <summary><c>login</c>, <c>refreshToken</c> (both open to callers without credentials) and <c>logout</c>.</summary>
public sealed class SignInSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var errors = SchemaComposer.NonNullList(composer.Types.UserError);
        var payload = new ObjectGraphType { Name = "SignInPayload", Description = "Tokens to send as 'Authorization: Bearer <accessToken>', or why not." };
        payload.AddField(SharedGraphTypes.Field<SignInPayload>("accessToken", typeof(StringGraphType), p => p.AccessToken, "Short-lived; send it as the bearer token."));
        payload.AddField(SharedGraphTypes.Field<SignInPayload>("refreshToken", typeof(StringGraphType), p => p.RefreshToken, "Good for one refreshToken call, which returns new tokens."));
        payload.AddField(SharedGraphTypes.Field<SignInPayload>("expiresAt", typeof(DateTimeGraphType), p => p.ExpiresAt, "When the access token stops working."));
        payload.AddField(SharedGraphTypes.Field<SignInPayload>("retryAt", typeof(DateTimeGraphType), p => p.RetryAt, "With TOO_MANY_ATTEMPTS: when to try again."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((SignInPayload)c.Source!).Errors) });

        composer.Mutation.AddField(new FieldType
        {
            Name = "login",
            Description = "Signs in with e-mail and password; needs no credentials. TOO_MANY_ATTEMPTS (with retryAt) beyond a client address's sign-ins per minute, "
                + "when the server is busy checking others, and, after 5 failures for an e-mail within 15 minutes, for the addresses that failed it (by default).",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "email" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "password" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Service(c).LoginAsync(c.GetArgument<string>("email"), c.GetArgument<string>("password"), c.CancellationToken)),
        }).AtMostOncePerRequest();
        composer.Mutation.AddField(new FieldType
        {
            Name = "refreshToken",
            Description = "Exchanges a refresh token for new tokens; the old ones stop working. A refresh token sent a second time ends its whole session. Needs no credentials.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "refreshToken" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
                await Service(c).RefreshAsync(c.GetArgument<string>("refreshToken"), c.CancellationToken)),
        }).AtMostOncePerRequest();

        var logoutPayload = new ObjectGraphType { Name = "LogoutPayload", Description = "Whether the session ended." };
        logoutPayload.AddField(SharedGraphTypes.Field<LogoutPayload>("loggedOut", typeof(NonNullGraphType<BooleanGraphType>), p => p.LoggedOut));
        logoutPayload.AddField(new FieldType { Name = "errors", ResolvedType = errors, Resolver = new FuncFieldResolver<object?>(c => ((LogoutPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "logout",
            Description = "Ends the caller's session: its access and refresh tokens stop working.",
            ResolvedType = new NonNullGraphType(logoutPayload),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var header = c.RequestServices!.GetService<IHttpContextAccessor>()?.HttpContext?.Request.Headers.Authorization.ToString() ?? "";
                const string bearer = "Bearer ";
                var token = header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : null;
                return await Service(c).LogoutAsync(token, c.CancellationToken);
            }),
        });
    }

    private static SignInService Service(IResolveFieldContext context) => context.RequestServices!.GetRequiredService<SignInService>();
}
