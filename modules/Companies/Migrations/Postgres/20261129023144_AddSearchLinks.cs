using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddSearchLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_links",
                schema: "companies",
                table: "companies",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_companies_search_links",
                schema: "companies",
                table: "companies",
                column: "search_links")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            // Written by hand: the order of title as lists sort text (TextOrder), which no EF index can express.
            migrationBuilder.Sql("CREATE INDEX ix_companies_title_order ON companies.companies ((platform.crm_fold(title) COLLATE \"C\"), (title COLLATE \"C\"), id);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS companies.ix_companies_title_order;");

            migrationBuilder.DropIndex(
                name: "ix_companies_search_links",
                schema: "companies",
                table: "companies");

            migrationBuilder.DropColumn(
                name: "search_links",
                schema: "companies",
                table: "companies");
        }
    }
}
