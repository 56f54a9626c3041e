using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Views.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "views_outbox",
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
                    table.PrimaryKey("pk_views_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "views_quotas",
                columns: table => new
                {
                    owner_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_views_quotas", x => new { x.owner_id, x.entity_type });
                });

            migrationBuilder.CreateTable(
                name: "views_views",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    owner_id = table.Column<long>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    filter = table.Column<string>(type: "TEXT", nullable: true),
                    order = table.Column<string>(type: "TEXT", nullable: true),
                    columns = table.Column<string>(type: "TEXT", nullable: true),
                    page_size = table.Column<int>(type: "INTEGER", nullable: true),
                    sharing = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    department_id = table.Column<long>(type: "INTEGER", nullable: true),
                    with_subdepartments = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_views_views", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "views_defaults",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    view_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_views_defaults", x => new { x.user_id, x.entity_type });
                    table.ForeignKey(
                        name: "fk_views_defaults_views_views_view_id",
                        column: x => x.view_id,
                        principalTable: "views_views",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "views_view_users",
                columns: table => new
                {
                    view_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_views_view_users", x => new { x.view_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_views_view_users_views_views_view_id",
                        column: x => x.view_id,
                        principalTable: "views_views",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "views_ix_views_defaults_view_id",
                table: "views_defaults",
                column: "view_id");

            migrationBuilder.CreateIndex(
                name: "views_ix_views_outbox_event_id",
                table: "views_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "views_ix_views_outbox_processed_at",
                table: "views_outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "views_ix_views_view_users_user_id",
                table: "views_view_users",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "views_ix_views_views_entity_type_owner_id",
                table: "views_views",
                columns: new[] { "entity_type", "owner_id" });

            migrationBuilder.CreateIndex(
                name: "views_ix_views_views_entity_type_sharing",
                table: "views_views",
                columns: new[] { "entity_type", "sharing" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "views_defaults");

            migrationBuilder.DropTable(
                name: "views_outbox");

            migrationBuilder.DropTable(
                name: "views_quotas");

            migrationBuilder.DropTable(
                name: "views_view_users");

            migrationBuilder.DropTable(
                name: "views_views");
        }
    }
}
