using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Contacts.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddSearchLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_links",
                schema: "contacts",
                table: "contacts",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_contacts_search_links",
                schema: "contacts",
                table: "contacts",
                column: "search_links")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            // Written by hand: the order of last_name as lists sort text (TextOrder), which no EF index can express.
            migrationBuilder.Sql("CREATE INDEX ix_contacts_last_name_order ON contacts.contacts ((platform.crm_fold(last_name) COLLATE \"C\"), (last_name COLLATE \"C\"), id);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS contacts.ix_contacts_last_name_order;");

            migrationBuilder.DropIndex(
                name: "ix_contacts_search_links",
                schema: "contacts",
                table: "contacts");

            migrationBuilder.DropColumn(
                name: "search_links",
                schema: "contacts",
                table: "contacts");
        }
    }
}
