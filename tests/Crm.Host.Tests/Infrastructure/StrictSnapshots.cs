using System.Runtime.CompilerServices;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// Snapshots are strict in every run, not only in CI: a missing <c>.snap</c> fails the test
/// instead of being written silently. To record one deliberately, delete it and run the test once
/// with <c>SNAPSHOOTER_STRICT_MODE=false</c>.
/// </summary>
internal static class StrictSnapshots
{
    public const string Variable = "SNAPSHOOTER_STRICT_MODE";

    // Runs before any test of the assembly, which is the point here.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, "true");
        }
    }
}
