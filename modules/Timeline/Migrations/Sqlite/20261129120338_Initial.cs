using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Timeline.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "timeline_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    actor_id = table.Column<long>(type: "INTEGER", nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    via = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_timeline_entries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "timeline_outbox",
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
                    table.PrimaryKey("pk_timeline_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "timeline_stage_moves",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    pipeline_id = table.Column<long>(type: "INTEGER", nullable: false),
                    from_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    to_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    semantics = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    actor_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_timeline_stage_moves", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_entries_entity_type_entity_id_id",
                table: "timeline_entries",
                columns: new[] { "entity_type", "entity_id", "id" });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_entries_event_id_entity_type_entity_id_kind",
                table: "timeline_entries",
                columns: new[] { "event_id", "entity_type", "entity_id", "kind" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_outbox_event_id",
                table: "timeline_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_outbox_processed_at",
                table: "timeline_outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_stage_moves_entity_type_entity_id_occurred_at",
                table: "timeline_stage_moves",
                columns: new[] { "entity_type", "entity_id", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_stage_moves_entity_type_pipeline_id_to_id_occurred_at",
                table: "timeline_stage_moves",
                columns: new[] { "entity_type", "pipeline_id", "to_id", "occurred_at" });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_stage_moves_event_id",
                table: "timeline_stage_moves",
                column: "event_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "timeline_entries");

            migrationBuilder.DropTable(
                name: "timeline_outbox");

            migrationBuilder.DropTable(
                name: "timeline_stage_moves");
        }
    }
}
