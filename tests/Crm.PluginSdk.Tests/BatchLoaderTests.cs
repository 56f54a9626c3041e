using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Tests;

public sealed class BatchLoaderTests
{
    /// <summary>A fetch that records the keys of each call and answers "v{key}" for keys below 100.</summary>
    private sealed class RecordingFetch
    {
        public List<long[]> Calls { get; } = [];

        public Func<Task>? Gate { get; set; }

        public Exception? FailWith { get; set; }

        public async Task<IReadOnlyDictionary<long, string>> FetchAsync(IReadOnlyCollection<long> keys, CancellationToken cancellationToken)
        {
            Calls.Add([.. keys.Order()]);
            if (Gate is not null)
            {
                await Gate();
            }

            if (FailWith is not null)
            {
                throw FailWith;
            }

            return keys.Where(k => k < 100).ToDictionary(k => k, k => $"v{k}");
        }
    }

    private static async Task<List<string?>> AwaitAll(IEnumerable<global::GraphQL.DataLoader.IDataLoaderResult<string?>> results)
    {
        var values = new List<string?>();
        foreach (var result in results)
        {
            values.Add(await result.GetResultAsync());
        }

        return values;
    }

    [Fact]
    public async Task Keys_loaded_before_the_first_await_are_fetched_in_one_call()
    {
        var fetch = new RecordingFetch();
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);

        var results = new long[] { 3, 1, 2, 1, 3 }.Select(loader.Load).ToList();
        Assert.Empty(fetch.Calls); // nothing runs before a result is awaited

        var values = await AwaitAll(results);

        Assert.Equal(["v3", "v1", "v2", "v1", "v3"], values);
        var call = Assert.Single(fetch.Calls);
        Assert.Equal([1L, 2L, 3L], call);
    }

    [Fact]
    public async Task Keys_loaded_after_a_fetch_are_fetched_in_a_second_call_without_the_cached_ones()
    {
        var fetch = new RecordingFetch();
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);
        await AwaitAll([loader.Load(1), loader.Load(2)]);

        var later = await AwaitAll([loader.Load(4), loader.Load(2), loader.Load(5), loader.Load(1)]);

        Assert.Equal(["v4", "v2", "v5", "v1"], later);
        Assert.Equal(2, fetch.Calls.Count);
        Assert.Equal([1L, 2L], fetch.Calls[0]);
        Assert.Equal([4L, 5L], fetch.Calls[1]);
    }

    [Fact]
    public async Task Cached_keys_are_not_fetched_again()
    {
        var fetch = new RecordingFetch();
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);
        await AwaitAll([loader.Load(1), loader.Load(2)]);

        Assert.Equal(["v2", "v1", "v2"], await AwaitAll([loader.Load(2), loader.Load(1), loader.Load(2)]));
        Assert.Single(fetch.Calls);
    }

    [Fact]
    public async Task A_key_that_does_not_exist_gives_null_and_is_not_fetched_again()
    {
        var fetch = new RecordingFetch();
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);

        Assert.Equal(["v1", null], await AwaitAll([loader.Load(1), loader.Load(404)]));
        Assert.Equal([null], await AwaitAll([loader.Load(404)]));
        Assert.Single(fetch.Calls);
    }

    [Fact]
    public async Task A_key_loaded_again_while_its_batch_is_in_flight_is_not_fetched_twice()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetch = new RecordingFetch();
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);
        fetch.Gate = () => release.Task;

        var first = loader.Load(1).GetResultAsync();
        Assert.Single(fetch.Calls); // [1] is in flight
        var again = loader.Load(1);
        var other = loader.Load(2);
        fetch.Gate = null;
        release.SetResult();

        Assert.Equal("v1", await first);
        Assert.Equal(["v1", "v2"], await AwaitAll([again, other]));
        Assert.Equal(2, fetch.Calls.Count);
        Assert.Equal([2L], fetch.Calls[1]);
    }

    [Fact]
    public async Task A_failed_fetch_fails_every_key_of_its_batch_without_fetching_again()
    {
        var fetch = new RecordingFetch { FailWith = new InvalidOperationException("database down") };
        var loader = new BatchLoader<long, string>(fetch.FetchAsync);
        var results = new long[] { 1, 2, 3 }.Select(loader.Load).ToList();

        foreach (var result in results)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => result.GetResultAsync());
            Assert.Equal("database down", error.Message);
        }

        Assert.Single(fetch.Calls);
    }

    [Fact]
    public void A_scope_gives_one_loader_per_name()
    {
        var scope = new BatchLoaderScope();
        var fetch = new RecordingFetch();
        var a = scope.GetOrAdd<long, string>("a", fetch.FetchAsync);
        Assert.Same(a, scope.GetOrAdd<long, string>("a", fetch.FetchAsync));
        Assert.NotSame(a, scope.GetOrAdd<long, string>("b", fetch.FetchAsync));
    }
}
