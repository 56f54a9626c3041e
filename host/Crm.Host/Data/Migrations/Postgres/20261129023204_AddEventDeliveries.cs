using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddEventDeliveries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "event_deliveries",
                schema: "platform",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    handler = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    module = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    outbox_id = table.Column<long>(type: "bigint", nullable: false),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    event_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_attempt_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_deliveries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "event_streams",
                schema: "platform",
                columns: table => new
                {
                    module = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_streams", x => x.module);
                });

            migrationBuilder.CreateIndex(
                name: "ix_event_deliveries_handler_module_entity_type_entity_id_outbo~",
                schema: "platform",
                table: "event_deliveries",
                columns: new[] { "handler", "module", "entity_type", "entity_id", "outbox_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_event_deliveries_module_entity_id",
                schema: "platform",
                table: "event_deliveries",
                columns: new[] { "module", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "ix_event_deliveries_state_id",
                schema: "platform",
                table: "event_deliveries",
                columns: new[] { "state", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_event_deliveries_state_next_attempt_at",
                schema: "platform",
                table: "event_deliveries",
                columns: new[] { "state", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "event_deliveries",
                schema: "platform");

            migrationBuilder.DropTable(
                name: "event_streams",
                schema: "platform");
        }
    }
}
