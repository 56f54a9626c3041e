using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddAssigneeStageOpportunityIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_deals_assigned_by_id_stage_id_opportunity",
                schema: "deals",
                table: "deals",
                columns: new[] { "assigned_by_id", "stage_id", "opportunity" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deals_assigned_by_id_stage_id_opportunity",
                schema: "deals",
                table: "deals");
        }
    }
}
