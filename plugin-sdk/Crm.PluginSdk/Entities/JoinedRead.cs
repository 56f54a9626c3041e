using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// One record type's part in a <see cref="JoinedRead"/>: its table, the columns a projection reads,
/// and the actor's read filter (null: every record), which the statement writes as SQL.
/// </summary>
internal sealed record JoinSource(IEntityType EntityType, LambdaExpression? Filter, RecordColumns Columns);

/// <summary>A to-one reference to join: the parent's property holding the id, and the referenced type's part.</summary>
internal sealed record JoinedReference(string ForeignKey, JoinSource Source);

/// <summary>
/// A record by id and the records its to-one references name, in one statement:
/// <c>SELECT p.…, r0.… FROM parent p LEFT JOIN referenced r0 ON r0.id = p.fk AND (r0's filter) … WHERE p.id = @id AND (p's filter)</c>.
/// Each module has its own DbContext, so no LINQ query spans two; the statement is written from
/// each type's EF mapping and access filter instead (<see cref="AccessSql"/>), and runs on the
/// scope's one connection that every module context shares. A referenced record the reader may not
/// read is filtered in its join's ON clause, so it comes back as null exactly as its own read would
/// leave it out; the parent's row is filtered in WHERE, as its read by id is.
/// </summary>
internal static class JoinedRead
{
    /// <summary>References joined into one statement at most; any beyond take their batched load as before.</summary>
    public const int MaxJoins = 8;

    /// <summary>The parent (null when it does not exist or the reader may not read it) and, in the order given, each referenced record (null: none, or not readable).</summary>
    public static async Task<(object? Record, object?[] Referenced)> ReadAsync(DbContext db, JoinSource parent, long id, IReadOnlyList<JoinedReference> references, CancellationToken cancellationToken)
    {
        var parameters = new List<object>();
        var sql = Statement(parent, id, references, parameters);
        var command = db.GetService<IRawSqlCommandBuilder>().Build(sql, parameters, db.Model);
        var referenced = new object?[references.Count];
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(
            new RelationalCommandParameterObject(db.GetService<IRelationalConnection>(), command.ParameterValues, null, db,
                db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery),
            cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (null, referenced);
        }

        var record = parent.Columns.Read(reader.DbDataReader, 0);
        var offset = parent.Columns.Names.Count;
        for (var i = 0; i < references.Count; i++)
        {
            referenced[i] = references[i].Source.Columns.Read(reader.DbDataReader, offset);
            offset += references[i].Source.Columns.Names.Count;
        }

        return (record, referenced);
    }

    /// <summary>The statement, with FromSqlRaw's <c>{n}</c> placeholders for <paramref name="parameters"/>.</summary>
    internal static string Statement(JoinSource parent, long id, IReadOnlyList<JoinedReference> references, List<object> parameters)
    {
        var sql = new StringBuilder("SELECT ");
        Columns(sql, "p", parent.Columns);
        for (var i = 0; i < references.Count; i++)
        {
            sql.Append(", ");
            Columns(sql, Alias(i), references[i].Source.Columns);
        }

        sql.Append(" FROM ").Append(AccessSql.Table(parent.EntityType)).Append(" AS p");
        for (var i = 0; i < references.Count; i++)
        {
            var (foreignKey, source) = references[i];
            var alias = Alias(i);
            sql.Append(" LEFT JOIN ").Append(AccessSql.Table(source.EntityType)).Append(" AS ").Append(alias)
                .Append(CultureInfo.InvariantCulture, $" ON {alias}.\"{AccessSql.Column(source.EntityType, nameof(Records.ICrmRecord.Id))}\" = p.\"{AccessSql.Column(parent.EntityType, foreignKey)}\"");
            if (source.Filter is { } filter)
            {
                sql.Append(" AND ").Append(AccessSql.Condition(filter, source.EntityType, alias, parameters));
            }
        }

        parameters.Add(id);
        sql.Append(CultureInfo.InvariantCulture, $" WHERE p.\"{AccessSql.Column(parent.EntityType, nameof(Records.ICrmRecord.Id))}\" = {{{parameters.Count - 1}}}");
        if (parent.Filter is { } parentFilter)
        {
            sql.Append(" AND ").Append(AccessSql.Condition(parentFilter, parent.EntityType, "p", parameters));
        }

        return sql.ToString();
    }

    private static string Alias(int index) => "r" + index.ToString(CultureInfo.InvariantCulture);

    private static void Columns(StringBuilder sql, string alias, RecordColumns columns)
    {
        for (var i = 0; i < columns.Names.Count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(alias).Append(".\"").Append(columns.Names[i]).Append('"');
        }
    }
}

/// <summary>A to-one reference field a query selects under a record, the type it names and the columns its selection reads.</summary>
internal sealed record SelectedReference(EntityField Field, ICrmEntityDefinition Target, RecordProjection Projection);
