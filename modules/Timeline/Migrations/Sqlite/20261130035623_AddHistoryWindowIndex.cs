using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Timeline.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddHistoryWindowIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_entries_entity_type_occurred_at_id",
                table: "timeline_entries",
                columns: new[] { "entity_type", "occurred_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "timeline_ix_timeline_entries_entity_type_occurred_at_id",
                table: "timeline_entries");
        }
    }
}
