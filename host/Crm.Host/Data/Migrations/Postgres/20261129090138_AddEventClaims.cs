using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddEventClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "event_claims",
                schema: "platform",
                columns: table => new
                {
                    module = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    outbox_id = table.Column<long>(type: "bigint", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    claimed_by = table.Column<Guid>(type: "uuid", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_claims", x => new { x.module, x.outbox_id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_event_claims_module_entity_type_entity_id_outbox_id",
                schema: "platform",
                table: "event_claims",
                columns: new[] { "module", "entity_type", "entity_id", "outbox_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "event_claims",
                schema: "platform");
        }
    }
}
