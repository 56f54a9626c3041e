using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Company.CrmPlugin.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "company_crmplugin_items",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    amount = table.Column<long>(type: "INTEGER", nullable: false),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    search_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    search_links = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    custom_fields = table.Column<string>(type: "TEXT", nullable: false, defaultValueSql: "'{}'"),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_company_crmplugin_items", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "company_crmplugin_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_company_crmplugin_outbox", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "company_crmplugin_ix_company_crmplugin_items_assigned_by_id",
                table: "company_crmplugin_items",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "company_crmplugin_ix_company_crmplugin_items_search_content",
                table: "company_crmplugin_items",
                column: "search_content");

            migrationBuilder.CreateIndex(
                name: "company_crmplugin_ix_company_crmplugin_outbox_event_id",
                table: "company_crmplugin_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "company_crmplugin_ix_company_crmplugin_outbox_processed_at",
                table: "company_crmplugin_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "company_crmplugin_items");

            migrationBuilder.DropTable(
                name: "company_crmplugin_outbox");
        }
    }
}
