using System.Linq.Expressions;
using System.Reflection;
using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Entities.Bindings;

/// <summary>What <see cref="EntityBuilder{TRecord}.BoundTo{TBinding}"/> declared: where a record keeps its bindings, who is responsible for it, and the input that replaces them.</summary>
internal sealed record BindingDeclaration(
    Type BindingType,
    LambdaExpression Bindings,
    PropertyInfo Responsible,
    string InputName,
    int MaxBindings)
{
    /// <summary>The action on a bound record that gives an action on the bound record: reading needs READ, anything else UPDATE.</summary>
    public static PermissionAction OnBound(PermissionAction action) => action == PermissionAction.Read ? PermissionAction.Read : PermissionAction.Update;
}
