using Crm.Host.Hosting;

var app = CrmApplication.Build(args);
await app.RunAsync();

/// <summary>The host's entry point; public so that tests can start it in-process.</summary>
public partial class Program;
