using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Entities;

/// <summary>Conditions on what a field of a record holds, for queries over many records of the type.</summary>
internal static class RecordConditions<TRecord>
    where TRecord : class, ICrmRecord
{
    /// <summary>Whether the field of a record holds the target (for a multiple custom link: any of its values).</summary>
    public static Expression<Func<TRecord, bool>> Holds(EntityField field, string targetType, long targetId)
    {
        var record = Expression.Parameter(typeof(TRecord), "record");
        var accessor = ParameterRebinder.Rebind(field.Accessor, record);
        Expression body;
        if (field.Custom is { Multiple: true } spec)
        {
            body = CustomFieldSql.AnyValueCall(accessor, spec.Code, "eq", JsonSerializer.Serialize(new CrmRecordReference(targetType, targetId).Key));
        }
        else
        {
            var value = field.Custom is null
                ? Convert.ChangeType(targetId, field.ValueType, CultureInfo.InvariantCulture)
                : new CrmRecordReference(targetType, targetId).Key;
            body = Expression.Equal(accessor, Parameter.Of(value, accessor.Type));
        }

        return Expression.Lambda<Func<TRecord, bool>>(body, record);
    }

    /// <summary>Whether the list field of a record holds the list item <paramref name="value"/>.</summary>
    public static Expression<Func<TRecord, bool>> HoldsValue(EntityField field, string value)
    {
        var record = Expression.Parameter(typeof(TRecord), "record");
        return Expression.Lambda<Func<TRecord, bool>>(
            Expression.Equal(ParameterRebinder.Rebind(field.Accessor, record), Expression.Constant(value, typeof(string))), record);
    }
}
