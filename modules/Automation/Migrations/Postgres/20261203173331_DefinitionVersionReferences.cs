using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DefinitionVersionReferences : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "directory_references",
                schema: "automation",
                table: "rule_versions",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "directory_references",
                schema: "automation",
                table: "process_versions",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "directory_references",
                schema: "automation",
                table: "rule_versions");

            migrationBuilder.DropColumn(
                name: "directory_references",
                schema: "automation",
                table: "process_versions");
        }
    }
}
