using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddRunLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_runs_status_deadline",
                schema: "automation",
                table: "runs");

            migrationBuilder.AddColumn<DateTime>(
                name: "heartbeat",
                schema: "automation",
                table: "runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease",
                schema: "automation",
                table: "runs",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_runs_status_heartbeat",
                schema: "automation",
                table: "runs",
                columns: new[] { "status", "heartbeat" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_runs_status_heartbeat",
                schema: "automation",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "heartbeat",
                schema: "automation",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "lease",
                schema: "automation",
                table: "runs");

            migrationBuilder.CreateIndex(
                name: "ix_runs_status_deadline",
                schema: "automation",
                table: "runs",
                columns: new[] { "status", "deadline" });
        }
    }
}
