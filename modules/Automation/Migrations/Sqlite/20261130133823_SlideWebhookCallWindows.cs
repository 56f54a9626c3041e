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
            migrationBuilder.DropPrimaryKey(
                name: "pk_automation_webhook_calls",
                table: "automation_webhook_calls");

            migrationBuilder.AddPrimaryKey(
                name: "pk_automation_webhook_calls",
                table: "automation_webhook_calls",
                columns: new[] { "target", "window_start" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_automation_webhook_calls",
                table: "automation_webhook_calls");

            migrationBuilder.AddPrimaryKey(
                name: "pk_automation_webhook_calls",
                table: "automation_webhook_calls",
                column: "target");
        }
    }
}
