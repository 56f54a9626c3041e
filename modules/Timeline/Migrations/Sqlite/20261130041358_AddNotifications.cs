using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Timeline.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "timeline_notifications",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: true),
                    actor_id = table.Column<long>(type: "INTEGER", nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    via = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    read_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_timeline_notifications", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_notifications_user_id_id",
                table: "timeline_notifications",
                columns: new[] { "user_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "timeline_notifications");
        }
    }
}
