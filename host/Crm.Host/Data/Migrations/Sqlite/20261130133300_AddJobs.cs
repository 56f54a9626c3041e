using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "platform_jobs",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    parameters = table.Column<string>(type: "TEXT", nullable: false),
                    owner_id = table.Column<long>(type: "INTEGER", nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    done = table.Column<long>(type: "INTEGER", nullable: false),
                    total = table.Column<long>(type: "INTEGER", nullable: true),
                    counts = table.Column<string>(type: "TEXT", nullable: true),
                    checkpoint = table.Column<string>(type: "TEXT", nullable: true),
                    cancel_requested = table.Column<bool>(type: "INTEGER", nullable: false),
                    lease_token = table.Column<Guid>(type: "TEXT", nullable: true),
                    lease_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    error_code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    result_file = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    result_content_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    result_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    result_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_jobs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_jobs_owner_id_id",
                table: "platform_jobs",
                columns: new[] { "owner_id", "id" });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_jobs_result_expires_at",
                table: "platform_jobs",
                column: "result_expires_at");

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_jobs_state_lease_until_id",
                table: "platform_jobs",
                columns: new[] { "state", "lease_until", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "platform_jobs");
        }
    }
}
