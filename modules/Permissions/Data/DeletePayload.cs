using Crm.PluginSdk.GraphQL;

namespace Crm.Modules.Permissions.Data;

/// <summary>What deleteRole, deleteGroup and deleteDepartment answer: the deleted id, or why nothing was deleted.</summary>
public sealed record DeletePayload(long? DeletedId, IReadOnlyList<UserError> Errors);
