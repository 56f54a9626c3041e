using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Timeline.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddHistoryWindowIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_entries_entity_type_occurred_at_id",
                schema: "timeline",
                table: "entries",
                columns: new[] { "entity_type", "occurred_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_entries_entity_type_occurred_at_id",
                schema: "timeline",
                table: "entries");
        }
    }
}
