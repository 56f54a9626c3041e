using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddLeadId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "lead_id",
                schema: "companies",
                table: "companies",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "lead_id",
                schema: "companies",
                table: "companies");
        }
    }
}
