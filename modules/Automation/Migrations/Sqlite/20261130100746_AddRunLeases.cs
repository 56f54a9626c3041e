using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddRunLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "automation_ix_automation_runs_status_deadline",
                table: "automation_runs");

            migrationBuilder.AddColumn<DateTime>(
                name: "heartbeat",
                table: "automation_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease",
                table: "automation_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_runs_status_heartbeat",
                table: "automation_runs",
                columns: new[] { "status", "heartbeat" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "automation_ix_automation_runs_status_heartbeat",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "heartbeat",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "lease",
                table: "automation_runs");

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_runs_status_deadline",
                table: "automation_runs",
                columns: new[] { "status", "deadline" });
        }
    }
}
