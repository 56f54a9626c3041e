using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddEventClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "platform_event_claims",
                columns: table => new
                {
                    module = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    outbox_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    claimed_by = table.Column<Guid>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_event_claims", x => new { x.module, x.outbox_id });
                });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_event_claims_module_entity_type_entity_id_outbox_id",
                table: "platform_event_claims",
                columns: new[] { "module", "entity_type", "entity_id", "outbox_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "platform_event_claims");
        }
    }
}
