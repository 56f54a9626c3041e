using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddRunBudgetsAndStarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "deadline",
                table: "automation_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "start",
                table: "automation_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_runs_status_deadline",
                table: "automation_runs",
                columns: new[] { "status", "deadline" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "automation_ix_automation_runs_status_deadline",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "deadline",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "start",
                table: "automation_runs");
        }
    }
}
