using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Activities.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddCommunications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "activity_communications",
                schema: "activities",
                columns: table => new
                {
                    activity_id = table.Column<long>(type: "bigint", nullable: false),
                    position = table.Column<int>(type: "integer", nullable: false),
                    type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    value = table.Column<string>(type: "character varying(250)", maxLength: 250, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    entity_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_activity_communications", x => new { x.activity_id, x.position });
                    table.ForeignKey(
                        name: "fk_activity_communications_activities_activity_id",
                        column: x => x.activity_id,
                        principalSchema: "activities",
                        principalTable: "activities",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_activity_communications_entity_type_entity_id",
                schema: "activities",
                table: "activity_communications",
                columns: new[] { "entity_type", "entity_id" });

            migrationBuilder.CreateIndex(
                name: "ix_activity_communications_type_value",
                schema: "activities",
                table: "activity_communications",
                columns: new[] { "type", "value" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "activity_communications",
                schema: "activities");
        }
    }
}
