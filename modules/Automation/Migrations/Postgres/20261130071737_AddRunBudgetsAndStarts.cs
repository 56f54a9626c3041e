using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddRunBudgetsAndStarts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "deadline",
                schema: "automation",
                table: "runs",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "start",
                schema: "automation",
                table: "runs",
                type: "text",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_runs_status_deadline",
                schema: "automation",
                table: "runs",
                columns: new[] { "status", "deadline" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_runs_status_deadline",
                schema: "automation",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "deadline",
                schema: "automation",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "start",
                schema: "automation",
                table: "runs");
        }
    }
}
