using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Companies.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "companies_companies",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    industry = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    phones = table.Column<string>(type: "TEXT", nullable: false),
                    emails = table.Column<string>(type: "TEXT", nullable: false),
                    webs = table.Column<string>(type: "TEXT", nullable: false),
                    address = table.Column<string>(type: "TEXT", nullable: true),
                    comments = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_companies_companies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "companies_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_companies_outbox", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "companies_ix_companies_companies_assigned_by_id",
                table: "companies_companies",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "companies_ix_companies_companies_title",
                table: "companies_companies",
                column: "title");

            migrationBuilder.CreateIndex(
                name: "companies_ix_companies_outbox_event_id",
                table: "companies_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "companies_ix_companies_outbox_processed_at",
                table: "companies_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "companies_companies");

            migrationBuilder.DropTable(
                name: "companies_outbox");
        }
    }
}
