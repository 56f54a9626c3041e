using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddDataMigrations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "platform_data_migrations",
                columns: table => new
                {
                    module_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    migration_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    applied_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_data_migrations", x => new { x.module_id, x.migration_id });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "platform_data_migrations");
        }
    }
}
