using Crm.Cli;

return await CrmCommandLine.RunAsync(args);
