using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Entities;

/// <summary>An input stored ahead of its write (bulk values, an import's defaults) checked as an update's, its refusals placed where the caller gave it.</summary>
internal static class InputChecks
{
    /// <summary><see cref="ICrmEntityDefinition.CheckInputAsync"/>, each refusal's path moved from <c>input</c> to <paramref name="at"/>.</summary>
    public static async Task<IEnumerable<UserError>> CheckInputAtAsync(this ICrmEntityDefinition definition, IServiceProvider services, IReadOnlyDictionary<string, object?> input, string[] at, CancellationToken cancellationToken) =>
        (await definition.CheckInputAsync(services, input, cancellationToken))
            .Select(p => p with { Path = [.. at, .. p.Path.Skip(p.Path.Count > 0 && p.Path[0] == "input" ? 1 : 0)] });
}
