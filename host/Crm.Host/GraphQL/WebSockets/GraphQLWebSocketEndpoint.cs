using Crm.Host.Security;
using GraphQL;
using Microsoft.Extensions.Options;

namespace Crm.Host.GraphQL.WebSockets;

/// <summary>
/// GraphQL over WebSocket on <c>/graphql</c>, with the graphql-transport-ws subprotocol only: a
/// request that does not offer it is refused before the upgrade (HTTP 400). Each accepted socket
/// is a <see cref="GraphQLWebSocketConnection"/>.
/// </summary>
public sealed class GraphQLWebSocketEndpoint(
    GraphQLExecution execution,
    IGraphQLTextSerializer serializer,
    BearerAuthenticator authenticator,
    WebSocketSessions sessions,
    IOptions<GraphQLWebSocketOptions> options,
    IOptions<GraphQLEndpointOptions> endpointOptions,
    ILogger<GraphQLWebSocketEndpoint> logger)
{
    public const string Protocol = "graphql-transport-ws";

    public async Task HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.WebSocketRequestedProtocols.Contains(Protocol, StringComparer.Ordinal))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            http.Response.ContentType = GraphQLHttpEndpoint.JsonMediaType + "; charset=utf-8";
            await serializer.WriteAsync(http.Response.Body, GraphQLExecution.Refused("BAD_REQUEST",
                $"GraphQL over WebSocket speaks the {Protocol} subprotocol only: send 'Sec-WebSocket-Protocol: {Protocol}'."), http.RequestAborted);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = Protocol });
        await new GraphQLWebSocketConnection(socket, http, execution, serializer, authenticator, sessions, options.Value, endpointOptions.Value, logger).RunAsync();
    }
}
