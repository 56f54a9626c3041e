using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Permissions.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SignInHardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "end_reason",
                table: "permissions_sessions",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "client_address",
                table: "permissions_login_failures",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "unknown");

            migrationBuilder.CreateTable(
                name: "permissions_rotated_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    session_id = table.Column<long>(type: "INTEGER", nullable: false),
                    access_token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    refresh_token_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    rotated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    refresh_expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_permissions_rotated_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_permissions_rotated_tokens_sessions_session_id",
                        column: x => x.session_id,
                        principalTable: "permissions_sessions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_login_failures_failed_at",
                table: "permissions_login_failures",
                column: "failed_at");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_rotated_tokens_access_token_hash",
                table: "permissions_rotated_tokens",
                column: "access_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_rotated_tokens_refresh_expires_at",
                table: "permissions_rotated_tokens",
                column: "refresh_expires_at");

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_rotated_tokens_refresh_token_hash",
                table: "permissions_rotated_tokens",
                column: "refresh_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "permissions_ix_permissions_rotated_tokens_session_id",
                table: "permissions_rotated_tokens",
                column: "session_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "permissions_rotated_tokens");

            migrationBuilder.DropIndex(
                name: "permissions_ix_permissions_login_failures_failed_at",
                table: "permissions_login_failures");

            migrationBuilder.DropColumn(
                name: "end_reason",
                table: "permissions_sessions");

            migrationBuilder.DropColumn(
                name: "client_address",
                table: "permissions_login_failures");
        }
    }
}
