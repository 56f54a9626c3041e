using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddSearchLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_links",
                schema: "deals",
                table: "deals",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_deals_search_links",
                schema: "deals",
                table: "deals",
                column: "search_links")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deals_search_links",
                schema: "deals",
                table: "deals");

            migrationBuilder.DropColumn(
                name: "search_links",
                schema: "deals",
                table: "deals");
        }
    }
}
