using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Crm.Host.Tests.Automation;

/// <summary>A listener on a free local port answering each request with what its answer callback does; it keeps what it received.</summary>
public sealed class HttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();

    public HttpReceiver(Func<HttpListenerResponse, Task> answer)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
                {
                    Received.Add((context.Request.HttpMethod, context.Request.ContentType, await reader.ReadToEndAsync()));
                }

                await answer(context.Response);
                context.Response.Close();
            }
        });
    }

    /// <summary>A receiver that answers every call with <paramref name="status"/> and nothing else.</summary>
    public static HttpReceiver Answering(int status) => new(r =>
    {
        r.StatusCode = status;
        return Task.CompletedTask;
    });

    public string Url { get; }

    public System.Collections.Concurrent.ConcurrentBag<(string Method, string? ContentType, string Body)> Received { get; } = [];

    public void Dispose() => _listener.Close();
}
