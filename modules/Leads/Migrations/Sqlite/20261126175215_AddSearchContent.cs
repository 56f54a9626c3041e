using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Leads.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddSearchContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_content",
                table: "leads_leads",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_leads_search_content",
                table: "leads_leads",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "leads_ix_leads_leads_search_content",
                table: "leads_leads");

            migrationBuilder.DropColumn(
                name: "search_content",
                table: "leads_leads");
        }
    }
}
