using System.Diagnostics;
using System.Net;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.GraphQL.GraphQLHttp;

namespace Crm.Host.Tests.GraphQL;

/// <summary>Alone, so that no other test's work counts in the process's CPU time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuMeasuredCollection
{
    public const string Name = "CPU measured";
}

/// <summary>
/// The proof: the real host, at its default limits, gets each request that used to buy
/// seconds of CPU or kill the process (a 10,000-term <c>or</c> from a user who sees only their
/// own deals, <c>{ __typename × 10,000 }</c>, 40 aliased logins, 200 introspection aliases);
/// each is refused, the host stays ready, and each costs the whole process under a second of
/// CPU (a bound on work done, read from the process, not a time). Each request is sent once
/// before it is measured, so that compiling the code it runs is not counted, then measured three
/// times, the least counting.
/// </summary>
public abstract class AbuseProofTests(HostFixture fixture)
{
    private static readonly TimeSpan CpuBudget = TimeSpan.FromSeconds(1);

    private CrmHost Host => fixture.Host;

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>
    /// The request's answer and the least CPU the process spent over three sendings: the host's own
    /// background work (pollers, the outbox, a garbage collection of earlier garbage) lands in one
    /// window now and then and is not the request's; a request that costs too much costs it every time.
    /// </summary>
    private async Task<(GraphQLResponse Response, TimeSpan Cpu)> MeasureAsync(string query, object? variables, string? apiKey)
    {
        await Host.QueryAsync(query, variables, apiKey);
        GraphQLResponse? response = null;
        var least = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var before = Cpu();
            response = await Host.QueryAsync(query, variables, apiKey);
            var spent = Cpu() - before;
            least = spent < least ? spent : least;
        }

        return (response!, least);
    }

    [Fact]
    public async Task Each_abusive_request_is_refused_cheaply_and_the_host_stays_ready()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("abuser");
        (await Host.AssignAsync(await Host.CreateRoleAsync("own deals ", [new { entityType = "DEAL", action = "READ", level = "OWN" }]), userId)).Ok();
        await Host.CreateDealAsync(new { title = "x", assignedById = userId });
        var logins = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"l{i}: login(email: \"nobody{i}@example.com\", password: \"wrong password\") {{ accessToken }}"));
        var introspection = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"s{i}: __schema {{ types {{ name fields {{ name args {{ name type {{ name }} }} type {{ name }} }} }} }}"));
        var requests = new (string Name, string Query, object? Variables, string? Key)[]
        {
            ("wide or", "query($w: DealFilterInput) { deals(where: $w) { totalCount } }",
                new { w = new { or = Enumerable.Repeat(new { title = new { eq = "x" } }, 10_000).ToArray() } }, key),
            ("__typename x 10,000", "{ " + string.Concat(Enumerable.Repeat("__typename ", 10_000)) + "}", null, null),
            ("40 aliased logins", $"mutation {{ {logins} }}", null, null),
            ("200 introspection aliases", $"{{ {introspection} }}", null, CrmHost.AdminKey),
        };

        foreach (var (name, query, variables, apiKey) in requests)
        {
            var (response, cpu) = await MeasureAsync(query, variables, apiKey);

            Assert.True(response.Status == HttpStatusCode.BadRequest && response.ErrorCodes.SequenceEqual(["LIMIT_EXCEEDED"]),
                $"{name}: expected a LIMIT_EXCEEDED refusal, got {(int)response.Status}: {response.Body.ToJsonString()[..Math.Min(300, response.Body.ToJsonString().Length)]}");
            Assert.False(response.Body.ContainsKey("data"), name);
            Assert.True(cpu < CpuBudget, $"{name}: the process used {cpu.TotalSeconds:0.00} s of CPU (budget {CpuBudget.TotalSeconds:0} s).");
            using var ready = await Host.SendRawAsync(new HttpRequestMessage(HttpMethod.Get, "/readyz"), apiKey: null);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
    }
}

[Collection(CpuMeasuredCollection.Name)]
[Trait("Engine", "Sqlite")]
public sealed class AbuseProofOnSqlite(SqliteHost fixture) : AbuseProofTests(fixture), IClassFixture<SqliteHost>;

[Collection(CpuMeasuredCollection.Name)]
[Trait("Engine", "Postgres")]
public sealed class AbuseProofOnPostgres(PostgresHost fixture) : AbuseProofTests(fixture), IClassFixture<PostgresHost>;
