using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddRunRetries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "first_action",
                table: "automation_runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "retry_of",
                table: "automation_runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_runs_run_id",
                table: "automation_runs",
                column: "run_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "automation_ix_automation_runs_run_id",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "first_action",
                table: "automation_runs");

            migrationBuilder.DropColumn(
                name: "retry_of",
                table: "automation_runs");
        }
    }
}
