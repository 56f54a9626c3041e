using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SlideWebhookCallWindows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_webhook_calls",
                schema: "automation",
                table: "webhook_calls");

            migrationBuilder.AddPrimaryKey(
                name: "pk_webhook_calls",
                schema: "automation",
                table: "webhook_calls",
                columns: new[] { "target", "window_start" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropPrimaryKey(
                name: "pk_webhook_calls",
                schema: "automation",
                table: "webhook_calls");

            migrationBuilder.AddPrimaryKey(
                name: "pk_webhook_calls",
                schema: "automation",
                table: "webhook_calls",
                column: "target");
        }
    }
}
