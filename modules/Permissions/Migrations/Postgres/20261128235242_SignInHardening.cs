using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Permissions.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SignInHardening : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "end_reason",
                schema: "permissions",
                table: "sessions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "client_address",
                schema: "permissions",
                table: "login_failures",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "unknown");

            migrationBuilder.CreateTable(
                name: "rotated_tokens",
                schema: "permissions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    session_id = table.Column<long>(type: "bigint", nullable: false),
                    access_token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    refresh_token_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    rotated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    refresh_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rotated_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_rotated_tokens_sessions_session_id",
                        column: x => x.session_id,
                        principalSchema: "permissions",
                        principalTable: "sessions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_login_failures_failed_at",
                schema: "permissions",
                table: "login_failures",
                column: "failed_at");

            migrationBuilder.CreateIndex(
                name: "ix_rotated_tokens_access_token_hash",
                schema: "permissions",
                table: "rotated_tokens",
                column: "access_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_rotated_tokens_refresh_expires_at",
                schema: "permissions",
                table: "rotated_tokens",
                column: "refresh_expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_rotated_tokens_refresh_token_hash",
                schema: "permissions",
                table: "rotated_tokens",
                column: "refresh_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_rotated_tokens_session_id",
                schema: "permissions",
                table: "rotated_tokens",
                column: "session_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rotated_tokens",
                schema: "permissions");

            migrationBuilder.DropIndex(
                name: "ix_login_failures_failed_at",
                schema: "permissions",
                table: "login_failures");

            migrationBuilder.DropColumn(
                name: "end_reason",
                schema: "permissions",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "client_address",
                schema: "permissions",
                table: "login_failures");
        }
    }
}
