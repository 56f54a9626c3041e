using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SlideWebhookCallWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The counters live a minute or two: the table is made again rather than rebuilt by EF's
            // SQLite primary-key change, which turns foreign keys off outside the migration's transaction.
            migrationBuilder.DropTable(
                name: "automation_webhook_calls");

            migrationBuilder.CreateTable(
                name: "automation_webhook_calls",
                columns: table => new
                {
                    target = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    window_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    calls = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_webhook_calls", x => new { x.target, x.window_start });
                });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_webhook_calls_window_start",
                table: "automation_webhook_calls",
                column: "window_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // The counters live a minute or two: the table is made again rather than rebuilt by EF's
            // SQLite primary-key change, which turns foreign keys off outside the migration's transaction.
            migrationBuilder.DropTable(
                name: "automation_webhook_calls");

            migrationBuilder.CreateTable(
                name: "automation_webhook_calls",
                columns: table => new
                {
                    target = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    window_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    calls = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_webhook_calls", x => x.target);
                });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_webhook_calls_window_start",
                table: "automation_webhook_calls",
                column: "window_start");
        }
    }
}
