using Crm.Host.Scheduling;
using Crm.PluginSdk.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <summary>Quartz's tables for durable scheduled work (see <see cref="SchedulerTables"/>); no model change.</summary>
    [DbContext(typeof(PlatformDbContext))]
    [Migration("20261130040000_AddScheduler")]
    public partial class AddScheduler : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var statement in SchedulerTables.Quartz47(DatabaseProvider.Sqlite))
            {
                migrationBuilder.Sql(statement);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
