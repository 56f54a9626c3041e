using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Views.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "views");

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "views",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    processed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quotas",
                schema: "views",
                columns: table => new
                {
                    owner_id = table.Column<long>(type: "bigint", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quotas", x => new { x.owner_id, x.entity_type });
                });

            migrationBuilder.CreateTable(
                name: "views",
                schema: "views",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    entity_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    owner_id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    filter = table.Column<string>(type: "text", nullable: true),
                    order = table.Column<string>(type: "text", nullable: true),
                    columns = table.Column<string>(type: "text", nullable: true),
                    page_size = table.Column<int>(type: "integer", nullable: true),
                    sharing = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    department_id = table.Column<long>(type: "bigint", nullable: true),
                    with_subdepartments = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_views", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "defaults",
                schema: "views",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    view_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_defaults", x => new { x.user_id, x.entity_type });
                    table.ForeignKey(
                        name: "fk_defaults_views_view_id",
                        column: x => x.view_id,
                        principalSchema: "views",
                        principalTable: "views",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "view_users",
                schema: "views",
                columns: table => new
                {
                    view_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_view_users", x => new { x.view_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_view_users_views_view_id",
                        column: x => x.view_id,
                        principalSchema: "views",
                        principalTable: "views",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_defaults_view_id",
                schema: "views",
                table: "defaults",
                column: "view_id");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_event_id",
                schema: "views",
                table: "outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_processed_at",
                schema: "views",
                table: "outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "ix_view_users_user_id",
                schema: "views",
                table: "view_users",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_views_entity_type_owner_id",
                schema: "views",
                table: "views",
                columns: new[] { "entity_type", "owner_id" });

            migrationBuilder.CreateIndex(
                name: "ix_views_entity_type_sharing",
                schema: "views",
                table: "views",
                columns: new[] { "entity_type", "sharing" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "defaults",
                schema: "views");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "views");

            migrationBuilder.DropTable(
                name: "quotas",
                schema: "views");

            migrationBuilder.DropTable(
                name: "view_users",
                schema: "views");

            migrationBuilder.DropTable(
                name: "views",
                schema: "views");
        }
    }
}
