using Crm.Host.Security;
using Crm.PluginSdk.Security;
using GraphQLParser.AST;
using Microsoft.AspNetCore.Authentication;

namespace Crm.Host.GraphQL;

/// <summary>Who may send a GraphQL request: a caller authentication let in, or, without credentials, one that asks for nothing but signing in (and introspection where allowed).</summary>
internal static class GraphQLAccess
{
    private static readonly string[] IntrospectionFields = ["__typename", "__schema", "__type"];

    /// <summary>
    /// Null when the request may go on, else why not. The request was authenticated before it got
    /// here (<see cref="CrmAuthenticationHandler"/>, whose result is kept for the request); a
    /// refused credential is refused, and a request without one may only do what reveals no data.
    /// </summary>
    public static async Task<AuthenticationRefusal?> RefusalAsync(HttpContext http, GraphQLDocument document, GraphQLOperationDefinition? operation, bool allowAnonymousIntrospection)
    {
        var result = await http.AuthenticateAsync(CrmAuthenticationHandler.SchemeName);
        if (result.Failure is CredentialRefusedException refused)
        {
            return refused.Refusal;
        }

        if (result.Succeeded)
        {
            return null;
        }

        // No key: only what reveals no data (introspection, where allowed) and signing in. An
        // unknown operation name is let through so that the executor reports it as the request
        // error it is.
        return operation is null || IsAnonymous(document, operation.SelectionSet, allowAnonymousIntrospection, [], 0) ? null : AuthenticationRefusal.NoCredentials;
    }

    /// <summary>Why a multipart request (which stores files before it runs) is refused: its credential's refusal, or none given.</summary>
    public static async Task<AuthenticationRefusal> RefusalOfUploadAsync(HttpContext http) =>
        (await http.AuthenticateAsync(CrmAuthenticationHandler.SchemeName)).Failure is CredentialRefusedException refused ? refused.Refusal : AuthenticationRefusal.NoCredentials;

    // Each fragment is looked at once, however often it is spread (else a few fragments spreading
    // each other many times keep this busy for ever): one seen before passed, or the check would
    // have stopped there; one still being looked at is a cycle, which validation refuses.
    private static bool IsAnonymous(GraphQLDocument document, GraphQLSelectionSet selectionSet, bool allowIntrospection, HashSet<GraphQLFragmentDefinition> seen, int depth) =>
        depth < 16 && selectionSet.Selections.All(selection => selection switch
        {
            GraphQLField field => IntrospectionFields.Contains(field.Name.StringValue)
                ? allowIntrospection
                : AnonymousFields.IsAllowed(field.Name.StringValue),
            GraphQLInlineFragment inline => IsAnonymous(document, inline.SelectionSet, allowIntrospection, seen, depth + 1),
            GraphQLFragmentSpread spread => document.FindFragment(spread.FragmentName.Name.Value) is { } fragment
                                            && (!seen.Add(fragment) || IsAnonymous(document, fragment.SelectionSet, allowIntrospection, seen, depth + 1)),
            _ => false,
        });
}
