using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddRunRetries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "first_action",
                schema: "automation",
                table: "runs",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<Guid>(
                name: "retry_of",
                schema: "automation",
                table: "runs",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "first_action",
                schema: "automation",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "retry_of",
                schema: "automation",
                table: "runs");
        }
    }
}
