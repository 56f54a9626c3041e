using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.CustomFields.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "custom_fields_catalog_version",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_custom_fields_catalog_version", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "custom_fields_definitions",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    code = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    label = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    labels = table.Column<string>(type: "TEXT", nullable: false),
                    mandatory = table.Column<bool>(type: "INTEGER", nullable: false),
                    multiple = table.Column<bool>(type: "INTEGER", nullable: false),
                    filterable = table.Column<bool>(type: "INTEGER", nullable: false),
                    show_in_list = table.Column<bool>(type: "INTEGER", nullable: false),
                    sort = table.Column<int>(type: "INTEGER", nullable: false),
                    default_value = table.Column<string>(type: "TEXT", nullable: true),
                    settings = table.Column<string>(type: "TEXT", nullable: false),
                    items = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_custom_fields_definitions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "custom_fields_outbox",
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
                    table.PrimaryKey("pk_custom_fields_outbox", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "custom_fields_catalog_version",
                columns: new[] { "id", "version" },
                values: new object[] { 1, 1L });

            migrationBuilder.CreateIndex(
                name: "custom_fields_ix_custom_fields_definitions_entity_type_code",
                table: "custom_fields_definitions",
                columns: new[] { "entity_type", "code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "custom_fields_ix_custom_fields_outbox_event_id",
                table: "custom_fields_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "custom_fields_ix_custom_fields_outbox_processed_at",
                table: "custom_fields_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "custom_fields_catalog_version");

            migrationBuilder.DropTable(
                name: "custom_fields_definitions");

            migrationBuilder.DropTable(
                name: "custom_fields_outbox");
        }
    }
}
