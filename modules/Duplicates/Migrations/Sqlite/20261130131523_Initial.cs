using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Duplicates.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "duplicates_keys_built",
                columns: table => new
                {
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    rules_version = table.Column<int>(type: "INTEGER", nullable: false),
                    built_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_duplicates_keys_built", x => x.entity_type);
                });

            migrationBuilder.CreateTable(
                name: "duplicates_outbox",
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
                    table.PrimaryKey("pk_duplicates_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "duplicates_record_keys",
                columns: table => new
                {
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    rule = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    record_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_duplicates_record_keys", x => new { x.entity_type, x.rule, x.key, x.record_id });
                });

            migrationBuilder.CreateIndex(
                name: "duplicates_ix_duplicates_outbox_event_id",
                table: "duplicates_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "duplicates_ix_duplicates_outbox_processed_at",
                table: "duplicates_outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "duplicates_ix_duplicates_record_keys_entity_type_record_id",
                table: "duplicates_record_keys",
                columns: new[] { "entity_type", "record_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "duplicates_keys_built");

            migrationBuilder.DropTable(
                name: "duplicates_outbox");

            migrationBuilder.DropTable(
                name: "duplicates_record_keys");
        }
    }
}
