using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.PluginSdk.Data;

namespace Crm.Host.Tests.BulkActions;

/// <summary>What a bulk SET_FIELDS costs in SQL statements: a bounded number per record, not growing with the records a page holds.</summary>
public abstract partial class BulkUpdateTests
{
    /// <summary>
    /// What one record costs, measured: its read and write through the type's update (with its event
    /// and history), the job's checkpoint <c>UPDATE</c>, and its share of the page's list statement;
    /// 4.5 on SQLite (whose write transaction is counted too) and 3.5 on PostgreSQL at a page of two.
    /// A statement per record more (an N+1) passes it.
    /// </summary>
    private const double StatementsPerRecord = 5;

    [Fact]
    public async Task A_set_fields_record_costs_a_bounded_few_statements_however_many_records_the_job_has()
    {
        var marker = Records.NewMarker("cost");
        var (_, key) = await UserAsync();
        var titles = Enumerable.Range(0, BulkActionsHost.MaxRecords).Select(i => $"{marker} {i}").ToArray();
        foreach (var title in titles)
        {
            await Host.CreateDealAsync(new { title, opportunity = 1m });
        }

        var value = 1;
        async Task<int> BulkStatementsAsync(int records)
        {
            // Through a filter, so that the records come in pages of the list (BulkActions:PageSize 2).
            await StartedAsync(key, new { kind = "SET_FIELDS", fields = new { opportunity = ++value } }, where: new { title = new { @in = titles[..records] } });
            using var counted = SqlStatementCounter.BeginScope();
            await Host.RunJobsAsync();
            return counted.Count;
        }

        await BulkStatementsAsync(2); // warms the host's caches
        // Each the fewer of two runs: a cache's periodic version check can land in either once.
        var twoRecords = Math.Min(await BulkStatementsAsync(2), await BulkStatementsAsync(2));
        var sixRecords = Math.Min(await BulkStatementsAsync(6), await BulkStatementsAsync(6));

        var perRecord = (sixRecords - twoRecords) / 4.0;
        Assert.True(perRecord <= StatementsPerRecord, $"{twoRecords} statements for 2 records, {sixRecords} for 6: {perRecord} a record");
    }

    /// <summary>
    /// What one record of an OPEN or CLOSE by stage costs: its one locked read (the list looked up in
    /// it), the stage change's write with its event and history, the checkpoint, its share of the page;
    /// 5.5 on SQLite at a page of two, at most 5 on PostgreSQL. Reading the record once more before the
    /// update, as the move did before, makes it 6.5 and fails this.
    /// </summary>
    private const double StatementsPerMove = 6;

    [Fact]
    public async Task An_open_or_close_record_reads_its_record_once()
    {
        var marker = Records.NewMarker("move-cost");
        var (_, key) = await UserAsync();
        var titles = Enumerable.Range(0, BulkActionsHost.MaxRecords).Select(i => $"{marker} {i}").ToArray();
        foreach (var title in titles)
        {
            await Host.CreateDealAsync(new { title, stageId = "NEW" });
        }

        async Task<int> MoveStatementsAsync(string kind, int records)
        {
            object action = kind == "CLOSE" ? new { kind, outcome = "FAILURE" } : new { kind };
            await StartedAsync(key, action, where: new { title = new { @in = titles[..records] } });
            using var counted = SqlStatementCounter.BeginScope();
            await Host.RunJobsAsync();
            return counted.Count;
        }

        // Every run moves every record it takes: closed, then opened again.
        await MoveStatementsAsync("CLOSE", 2); // warms the host's caches
        var twoRecords = Math.Min(await MoveStatementsAsync("OPEN", 2), await MoveStatementsAsync("CLOSE", 2));
        await MoveStatementsAsync("OPEN", 2);
        var sixRecords = Math.Min(await MoveStatementsAsync("CLOSE", 6), await MoveStatementsAsync("OPEN", 6));

        var perRecord = (sixRecords - twoRecords) / 4.0;
        Assert.True(perRecord <= StatementsPerMove, $"{twoRecords} statements for 2 records, {sixRecords} for 6: {perRecord} a record");
    }
}
