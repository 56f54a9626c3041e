using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FasterTextFold : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand: the fold keeps its results and looks up the characters it keeps first
            // (TextOrder.KeptFirst), so the order indexes on it stay valid as they are.
            migrationBuilder.Sql(Crm.PluginSdk.Data.TextOrder.PostgresDefinition);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Nothing to undo: the function gives the same results as before.
        }
    }
}
