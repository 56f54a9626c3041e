using Crm.Modules.Views.Domain;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Data;

/// <summary>Views shared with a deleted department become their owners' own: never shared wider than they were.</summary>
internal sealed class ViewDepartmentReferences(TimeProvider clock) : IDepartmentReferenceHolder
{
    public async Task ReleaseDepartmentAsync(IServiceProvider services, long departmentId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await services.GetRequiredService<ViewsDbContext>().Views
            .Where(v => v.DepartmentId == departmentId)
            .ExecuteUpdateAsync(v => v
                .SetProperty(x => x.Sharing, ViewSharing.Private)
                .SetProperty(x => x.DepartmentId, (long?)null)
                .SetProperty(x => x.WithSubdepartments, false)
                .SetProperty(x => x.UpdatedAt, now), cancellationToken);
    }
}
