using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddTypeEmployeesRevenue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "company_type",
                schema: "companies",
                table: "companies",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "currency_id",
                schema: "companies",
                table: "companies",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "employees",
                schema: "companies",
                table: "companies",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "revenue",
                schema: "companies",
                table: "companies",
                type: "numeric(18,4)",
                precision: 18,
                scale: 4,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "company_type",
                schema: "companies",
                table: "companies");

            migrationBuilder.DropColumn(
                name: "currency_id",
                schema: "companies",
                table: "companies");

            migrationBuilder.DropColumn(
                name: "employees",
                schema: "companies",
                table: "companies");

            migrationBuilder.DropColumn(
                name: "revenue",
                schema: "companies",
                table: "companies");
        }
    }
}
