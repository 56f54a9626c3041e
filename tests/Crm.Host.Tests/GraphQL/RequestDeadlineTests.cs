using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>
/// GraphQL:RequestTimeout and the client leaving: the work of the request stops (a field that
/// would wait for ever sees its token cancelled) and the client is told. Time is a fake clock,
/// moved by the test; a field contributed by the test waits until it is stopped.
/// </summary>
public abstract class RequestDeadlineTests(HostFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>A fake clock that says when a request's deadline has been set on it.</summary>
    private sealed class Clock() : FakeTimeProvider(DateTimeOffset.UtcNow)
    {
        public TaskCompletionSource DeadlineSet { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime == Deadline)
            {
                DeadlineSet.TrySetResult();
            }

            return timer;
        }
    }

    private sealed class WaitingField : ISchemaContributor
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Contribute(SchemaComposer composer) => composer.Query.AddField(new FieldType
        {
            Name = "waitUntilStopped",
            Type = typeof(StringGraphType),
            Resolver = new FuncFieldResolver<object?>(async context =>
            {
                Reached.TrySetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Stopped.TrySetResult();
                    throw;
                }

                return null;
            }),
        });
    }

    private static WebApplicationFactory<Program> With(CrmHost host, Clock clock, WaitingField field) =>
        host.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<ISchemaContributor>(field);
        }));

    private static HttpClient ClientOf(WebApplicationFactory<Program> host)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CrmHost.AdminKey);
        return client;
    }

    [Fact]
    public async Task A_request_past_its_deadline_stops_and_is_told_so()
    {
        var clock = new Clock();
        var field = new WaitingField();
        await using var host = With(fixture.Host, clock, field);
        using var client = ClientOf(host);

        var send = client.SendAsync(PostQuery("{ waitUntilStopped }"));
        await field.Reached.Task.WaitAsync(Guard);
        clock.Advance(Deadline);
        using var raw = await send.WaitAsync(Guard);
        var response = await GraphQLResponse.ReadAsync(raw);

        await field.Stopped.Task.WaitAsync(Guard);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.True(response.Body.ContainsKey("data") && response.Data is null, response.Body.ToJsonString());
        Assert.Equal(["LIMIT_EXCEEDED"], response.ErrorCodes);
        Assert.Contains("(GraphQL:RequestTimeout)", response.Errors[0]!.Message(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_answered_408_at_the_deadline()
    {
        var clock = new Clock();
        await using var host = With(fixture.Host, clock, new WaitingField());
        // Straight to the server: the client of CreateClient buffers a body before sending it.
        using var client = new HttpClient(host.Server.CreateHandler()) { BaseAddress = host.Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CrmHost.AdminKey);
        var never = new TaskCompletionSource();
        try
        {
            var send = client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/graphql")
            {
                Content = new StalledContent("{\"query\": \"{ __typ", never.Task),
                Headers = { Accept = { new MediaTypeWithQualityHeaderValue(ResponseMediaType) } },
            });
            await clock.DeadlineSet.Task.WaitAsync(Guard);
            clock.Advance(Deadline);
            using var raw = await send.WaitAsync(Guard);
            var response = await GraphQLResponse.ReadAsync(raw);

            var error = response.ShouldBeRequestError(HttpStatusCode.RequestTimeout, "LIMIT_EXCEEDED");
            Assert.Contains("(GraphQL:RequestTimeout)", error.Message(), StringComparison.Ordinal);
        }
        finally
        {
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task A_client_that_leaves_stops_its_work()
    {
        var field = new WaitingField();
        await using var host = With(fixture.Host, new Clock(), field);
        using var client = ClientOf(host);
        using var leave = new CancellationTokenSource();

        var send = client.SendAsync(PostQuery("{ waitUntilStopped }"), leave.Token);
        await field.Reached.Task.WaitAsync(Guard);
        await leave.CancelAsync();

        await field.Stopped.Task.WaitAsync(Guard);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    /// <summary>Sends the start of a body, then nothing until released.</summary>
    private sealed class StalledContent : HttpContent
    {
        private readonly byte[] _start;
        private readonly Task _release;

        public StalledContent(string start, Task release)
        {
            _start = Encoding.UTF8.GetBytes(start);
            _release = release;
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_start);
            await stream.FlushAsync();
            await _release;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class RequestDeadlineOnSqlite(SqliteHost fixture) : RequestDeadlineTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class RequestDeadlineOnPostgres(PostgresHost fixture) : RequestDeadlineTests(fixture), IClassFixture<PostgresHost>;
