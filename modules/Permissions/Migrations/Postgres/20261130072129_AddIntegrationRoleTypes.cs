using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Permissions.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddIntegrationRoleTypes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "integration_types",
                schema: "permissions",
                table: "roles",
                type: "character varying(8000)",
                maxLength: 8000,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "integration_types",
                schema: "permissions",
                table: "roles");
        }
    }
}
