using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddPointsMatchFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand: the query engine's SQL functions (see CrmDbFunctions), shared by every module.
            migrationBuilder.Sql(Crm.PluginSdk.Data.CrmDbFunctions.PostgresDefinition);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS platform.crm_points_match(jsonb, text, text, text);");
        }
    }
}
