using Crm.Host.Hosting;

return await HostRunner.RunAsync(args);

/// <summary>The host's entry point; public so that tests can start it in-process.</summary>
public partial class Program;
