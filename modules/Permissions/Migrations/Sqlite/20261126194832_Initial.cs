using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Permissions.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "permissions_groups",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_login_failures",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    failed_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_login_failures", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_outbox",
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
                    table.PrimaryKey("pk_permissions_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_permissions_version",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    sessions_version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_permissions_version", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_roles",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    can_configure = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_roles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_users",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    normalized_email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    last_name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    language = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    is_administrator = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_users", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "permissions_role_permissions",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    role_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    partition = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    action = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    level = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_role_permissions", x => x.id);
                    table.ForeignKey(
                        name: "fk_permissions_role_permissions_permissions_roles_role_id",
                        column: x => x.role_id,
                        principalTable: "permissions_roles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "permissions_departments",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    parent_id = table.Column<long>(type: "INTEGER", nullable: true),
                    head_id = table.Column<long>(type: "INTEGER", nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    sort = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_departments", x => x.id);
                    table.ForeignKey(
                        name: "fk_permissions_departments_permissions_departments_parent_id",
                        column: x => x.parent_id,
                        principalTable: "permissions_departments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_permissions_departments_users_head_id",
                        column: x => x.head_id,
                        principalTable: "permissions_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "permissions_group_members",
                columns: table => new
                {
                    group_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_group_members", x => new { x.group_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_permissions_group_members_permissions_groups_group_id",
                        column: x => x.group_id,
                        principalTable: "permissions_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_permissions_group_members_users_user_id",
                        column: x => x.user_id,
                        principalTable: "permissions_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "permissions_sessions",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    access_token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    access_expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    refresh_token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    refresh_expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_permissions_sessions_users_user_id",
                        column: x => x.user_id,
                        principalTable: "permissions_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "permissions_role_assignments",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    role_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<long>(type: "INTEGER", nullable: true),
                    department_id = table.Column<long>(type: "INTEGER", nullable: true),
                    with_subdepartments = table.Column<bool>(type: "INTEGER", nullable: false),
                    group_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_role_assignments", x => x.id);
                    table.CheckConstraint("ck_role_assignments_one_holder", "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1");
                    table.ForeignKey(
                        name: "fk_permissions_role_assignments_permissions_departments_department_id",
                        column: x => x.department_id,
                        principalTable: "permissions_departments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_permissions_role_assignments_permissions_groups_group_id",
                        column: x => x.group_id,
                        principalTable: "permissions_groups",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_permissions_role_assignments_permissions_roles_role_id",
                        column: x => x.role_id,
                        principalTable: "permissions_roles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_permissions_role_assignments_users_user_id",
                        column: x => x.user_id,
                        principalTable: "permissions_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "permissions_user_departments",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    department_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_user_departments", x => new { x.user_id, x.department_id });
                    table.ForeignKey(
                        name: "fk_permissions_user_departments_permissions_departments_department_id",
                        column: x => x.department_id,
                        principalTable: "permissions_departments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_permissions_user_departments_permissions_users_user_id",
                        column: x => x.user_id,
                        principalTable: "permissions_users",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "permissions_permissions_version",
                columns: new[] { "id", "sessions_version", "version" },
                values: new object[] { 1, 1L, 1L });

            migrationBuilder.InsertData(
                table: "permissions_users",
                columns: new[] { "id", "active", "created_at", "email", "is_administrator", "kind", "language", "last_name", "name", "normalized_email", "password_hash", "time_zone", "updated_at" },
                values: new object[] { 1L, true, new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc), "admin@localhost", true, "Person", "en", null, "Administrator", "admin@localhost", null, "UTC", new DateTime(2026, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) });

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_departments_head_id",
                table: "permissions_departments",
                column: "head_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_departments_parent_id",
                table: "permissions_departments",
                column: "parent_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_group_members_user_id",
                table: "permissions_group_members",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_login_failures_email_failed_at",
                table: "permissions_login_failures",
                columns: new[] { "email", "failed_at" });

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_outbox_event_id",
                table: "permissions_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_outbox_processed_at",
                table: "permissions_outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_role_assignments_department_id",
                table: "permissions_role_assignments",
                column: "department_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_role_assignments_group_id",
                table: "permissions_role_assignments",
                column: "group_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_role_assignments_role_id",
                table: "permissions_role_assignments",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_role_assignments_user_id",
                table: "permissions_role_assignments",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_role_permissions_role_id",
                table: "permissions_role_permissions",
                column: "role_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_roles_name",
                table: "permissions_roles",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_sessions_access_token_hash",
                table: "permissions_sessions",
                column: "access_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_sessions_refresh_token_hash",
                table: "permissions_sessions",
                column: "refresh_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_sessions_user_id",
                table: "permissions_sessions",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_user_departments_department_id",
                table: "permissions_user_departments",
                column: "department_id");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_users_normalized_email",
                table: "permissions_users",
                column: "normalized_email",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "permissions_group_members");

            migrationBuilder.DropTable(
                name: "permissions_login_failures");

            migrationBuilder.DropTable(
                name: "permissions_outbox");

            migrationBuilder.DropTable(
                name: "permissions_permissions_version");

            migrationBuilder.DropTable(
                name: "permissions_role_assignments");

            migrationBuilder.DropTable(
                name: "permissions_role_permissions");

            migrationBuilder.DropTable(
                name: "permissions_sessions");

            migrationBuilder.DropTable(
                name: "permissions_user_departments");

            migrationBuilder.DropTable(
                name: "permissions_groups");

            migrationBuilder.DropTable(
                name: "permissions_roles");

            migrationBuilder.DropTable(
                name: "permissions_departments");

            migrationBuilder.DropTable(
                name: "permissions_users");
        }
    }
}
