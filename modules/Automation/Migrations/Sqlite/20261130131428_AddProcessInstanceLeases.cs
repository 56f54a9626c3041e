using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddProcessInstanceLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "heartbeat",
                table: "automation_process_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease",
                table: "automation_process_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_status_heartbeat",
                table: "automation_process_instances",
                columns: new[] { "status", "heartbeat" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "automation_ix_automation_process_instances_status_heartbeat",
                table: "automation_process_instances");

            migrationBuilder.DropColumn(
                name: "heartbeat",
                table: "automation_process_instances");

            migrationBuilder.DropColumn(
                name: "lease",
                table: "automation_process_instances");
        }
    }
}
