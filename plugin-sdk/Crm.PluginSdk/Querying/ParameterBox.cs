using System.Linq.Expressions;

namespace Crm.PluginSdk.Querying;

/// <summary>
/// Wraps a value so that EF Core sends it as a SQL parameter rather than a literal: one cached
/// query plan for every value, and no value in the SQL text.
/// </summary>
internal sealed class ParameterBox<T>(T value)
{
    public T Value { get; } = value;
}

internal static class Parameter
{
    public static Expression Of(object? value, Type type)
    {
        var boxType = typeof(ParameterBox<>).MakeGenericType(type);
        var box = Activator.CreateInstance(boxType, value);
        return Expression.Property(Expression.Constant(box), nameof(ParameterBox<object>.Value));
    }
}
