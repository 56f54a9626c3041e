using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddTypeEmployeesRevenue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "company_type",
                table: "companies_companies",
                type: "TEXT",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "currency_id",
                table: "companies_companies",
                type: "TEXT",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "employees",
                table: "companies_companies",
                type: "TEXT",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "revenue",
                table: "companies_companies",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "company_type",
                table: "companies_companies");

            migrationBuilder.DropColumn(
                name: "currency_id",
                table: "companies_companies");

            migrationBuilder.DropColumn(
                name: "employees",
                table: "companies_companies");

            migrationBuilder.DropColumn(
                name: "revenue",
                table: "companies_companies");
        }
    }
}
