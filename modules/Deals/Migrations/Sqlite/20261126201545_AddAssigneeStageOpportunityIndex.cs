using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddAssigneeStageOpportunityIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_assigned_by_id_stage_id_opportunity",
                table: "deals_deals",
                columns: new[] { "assigned_by_id", "stage_id", "opportunity" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "deals_ix_deals_deals_assigned_by_id_stage_id_opportunity",
                table: "deals_deals");
        }
    }
}
