using System.Runtime.CompilerServices;
using Crm.Host.Modules;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// The test hosts of this process share one load of each built module's assembly (see
/// <see cref="LoadedAssemblies"/>): each host otherwise loaded and compiled every module again,
/// about 1.8 s of CPU of a host's 2.1 s start on SQLite, and the suite starts hundreds. A test
/// that needs its own load (a copied plugin, a changed file) gets one: the file's path, time and
/// length are the key.
/// </summary>
internal static class SharedModuleAssemblies
{
    // Before the first host starts, which is the point here.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => LoadedAssemblies.ShareAcrossHosts = true;
}
