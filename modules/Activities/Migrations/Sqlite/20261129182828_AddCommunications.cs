using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Activities.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddCommunications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "activities_activity_communications",
                columns: table => new
                {
                    activity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 250, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_activities_activity_communications", x => new { x.activity_id, x.position });
                    table.ForeignKey(
                        name: "fk_activities_activity_communications_activities_activities_activity_id",
                        column: x => x.activity_id,
                        principalTable: "activities_activities",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_activity_communications_entity_type_entity_id",
                table: "activities_activity_communications",
                columns: new[] { "entity_type", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "activities_ix_activities_activity_communications_type_value",
                table: "activities_activity_communications",
                columns: new[] { "type", "value" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "activities_activity_communications");
        }
    }
}
