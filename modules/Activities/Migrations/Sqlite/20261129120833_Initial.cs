using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Activities.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "activities_activities",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    type_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    provider_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    subject = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    description_type = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    direction = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    start_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    end_time = table.Column<DateTime>(type: "TEXT", nullable: true),
                    deadline = table.Column<DateTime>(type: "TEXT", nullable: true),
                    completed = table.Column<bool>(type: "INTEGER", nullable: false),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    priority = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    responsible_id = table.Column<long>(type: "INTEGER", nullable: true),
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
                    table.PrimaryKey("pk_activities_activities", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "activities_outbox",
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
                    table.PrimaryKey("pk_activities_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "activities_activity_bindings",
                columns: table => new
                {
                    record_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_activities_activity_bindings", x => new { x.record_id, x.entity_type, x.entity_id });
                    table.ForeignKey(
                        name: "fk_activities_activity_bindings_activities_activities_record_id",
                        column: x => x.record_id,
                        principalTable: "activities_activities",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_activities_responsible_id_completed_deadline",
                table: "activities_activities",
                columns: new[] { "responsible_id", "completed", "deadline" });

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_activities_search_content",
                table: "activities_activities",
                column: "search_content");

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_activity_bindings_entity_type_entity_id",
                table: "activities_activity_bindings",
                columns: new[] { "entity_type", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_outbox_event_id",
                table: "activities_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_outbox_processed_at",
                table: "activities_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "activities_activity_bindings");

            migrationBuilder.DropTable(
                name: "activities_outbox");

            migrationBuilder.DropTable(
                name: "activities_activities");
        }
    }
}
