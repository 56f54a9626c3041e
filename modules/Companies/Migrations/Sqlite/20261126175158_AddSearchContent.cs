using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddSearchContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_content",
                table: "companies_companies",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "companies_ix_companies_companies_search_content",
                table: "companies_companies",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "companies_ix_companies_companies_search_content",
                table: "companies_companies");

            migrationBuilder.DropColumn(
                name: "search_content",
                table: "companies_companies");
        }
    }
}
