using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddProcessInstanceLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "heartbeat",
                schema: "automation",
                table: "process_instances",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "lease",
                schema: "automation",
                table: "process_instances",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_status_heartbeat",
                schema: "automation",
                table: "process_instances",
                columns: new[] { "status", "heartbeat" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_process_instances_status_heartbeat",
                schema: "automation",
                table: "process_instances");

            migrationBuilder.DropColumn(
                name: "heartbeat",
                schema: "automation",
                table: "process_instances");

            migrationBuilder.DropColumn(
                name: "lease",
                schema: "automation",
                table: "process_instances");
        }
    }
}
