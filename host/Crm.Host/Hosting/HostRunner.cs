using Crm.Host.Security;
using Crm.PluginSdk.Data;

namespace Crm.Host.Hosting;

/// <summary>
/// Runs the host from the command line: a start-up that fails for a reason of the setup (a
/// setting, a busy address, the database) ends with one line on stderr and exit code 1, after
/// the background services that had started have stopped; a start that succeeds says where to
/// open the platform.
/// </summary>
public static class HostRunner
{
    // The generic host logs a failed start (and a failed background service) with its stack trace
    // at Error before the exception reaches us; we say it ourselves, in one line when we can. A
    // background service that fails while the host runs is still logged: at Critical.
    private const string GenericHostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private static readonly TimeSpan StopAfterFailureTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = CrmApplication.Build(args, builder => builder.Logging.AddFilter(GenericHostCategory, LogLevel.Critical));
        }
        // The test host stops the entry point at Build with HostAbortedException: let it pass.
        catch (Exception ex) when (ex is not HostAbortedException && StartupFailure.Describe(ex) is { } problem)
        {
            return Fail(problem);
        }

        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
            {
                // Ctrl+C during start-up.
                await StopQuietlyAsync(app);
                return 0;
            }
            catch (Exception ex)
            {
                // Without this, the background services that had started keep running against a
                // disposed container and fill the console with ObjectDisposedExceptions.
                await StopQuietlyAsync(app);
                var problem = StartupFailure.Describe(ex) ?? ex.ToString();
                var initializer = app.Services.GetRequiredService<PlatformInitializer>();
                if (initializer.GeneratedAdminKey is { } key && !await initializer.ForgetGeneratedAdminKeyAsync(CancellationToken.None))
                {
                    // Still stored and never shown: show it now, or it is lost.
                    problem += $"\nThis start registered the administrator's API key (shown this once): {key}";
                }

                return Fail(problem);
            }

            Console.Out.Write(StartupAnnouncement.Compose(
                app.Urls,
                app.Services.GetRequiredService<DatabaseOptions>(),
                app.Services.GetRequiredService<PlatformInitializer>().GeneratedAdminKey,
                !string.IsNullOrEmpty(app.Configuration[ApiKeyService.AdminKeyVariable])));
            await app.WaitForShutdownAsync();
        }

        return 0;
    }

    private static int Fail(string problem)
    {
        Console.Error.WriteLine($"Crm.Host cannot start: {problem}");
        return 1;
    }

    private static async Task StopQuietlyAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(StopAfterFailureTimeout);
        try
        {
            await app.StopAsync(timeout.Token);
        }
        catch (Exception)
        {
            // Stopping what never fully started may fail too; the start-up failure is what matters.
        }
    }
}
