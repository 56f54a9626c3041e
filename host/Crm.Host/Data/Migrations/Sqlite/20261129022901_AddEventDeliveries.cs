using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddEventDeliveries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "platform_event_deliveries",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    handler = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    module = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    outbox_id = table.Column<long>(type: "INTEGER", nullable: false),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    event_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_event_deliveries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "platform_event_streams",
                columns: table => new
                {
                    module = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_event_streams", x => x.module);
                });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_event_deliveries_handler_module_entity_type_entity_id_outbox_id",
                table: "platform_event_deliveries",
                columns: new[] { "handler", "module", "entity_type", "entity_id", "outbox_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_event_deliveries_module_entity_id",
                table: "platform_event_deliveries",
                columns: new[] { "module", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_event_deliveries_state_id",
                table: "platform_event_deliveries",
                columns: new[] { "state", "id" });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_event_deliveries_state_next_attempt_at",
                table: "platform_event_deliveries",
                columns: new[] { "state", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "platform_event_deliveries");

            migrationBuilder.DropTable(
                name: "platform_event_streams");
        }
    }
}
