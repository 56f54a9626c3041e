using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddWebhookCallWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "webhook_calls",
                schema: "automation",
                columns: table => new
                {
                    target = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    window_start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    calls = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhook_calls", x => x.target);
                });

            migrationBuilder.CreateIndex(
                name: "ix_webhook_calls_window_start",
                schema: "automation",
                table: "webhook_calls",
                column: "window_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "webhook_calls",
                schema: "automation");
        }
    }
}
