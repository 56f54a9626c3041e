using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddSearchContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_content",
                table: "deals_deals",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_search_content",
                table: "deals_deals",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "deals_ix_deals_deals_search_content",
                table: "deals_deals");

            migrationBuilder.DropColumn(
                name: "search_content",
                table: "deals_deals");
        }
    }
}
