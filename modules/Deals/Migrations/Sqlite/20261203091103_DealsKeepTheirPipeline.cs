using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DealsKeepTheirPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Before the key, a delete racing a deal's write could leave deals on a deleted pipeline:
            // their pipeline comes back under a name that says so, for an admin to move them.
            migrationBuilder.Sql("""
                INSERT INTO deals_pipelines (id, name, sort)
                SELECT DISTINCT d.pipeline_id, 'Restored pipeline ' || d.pipeline_id, 1000
                FROM deals_deals d
                WHERE NOT EXISTS (SELECT 1 FROM deals_pipelines p WHERE p.id = d.pipeline_id)
                """);

            migrationBuilder.AddForeignKey(
                name: "fk_deals_deals_pipelines_pipeline_id",
                table: "deals_deals",
                column: "pipeline_id",
                principalTable: "deals_pipelines",
                principalColumn: "id",
                onDelete: ReferentialAction.NoAction);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_deals_deals_pipelines_pipeline_id",
                table: "deals_deals");
        }
    }
}
