using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Tests.SamplePlugin.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddQuotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sample_plugin_quote_terms",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    validity_days = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sample_plugin_quote_terms", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sample_plugin_quotes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    deal_id = table.Column<long>(type: "INTEGER", nullable: true),
                    status_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    amount = table.Column<long>(type: "INTEGER", nullable: false),
                    currency_id = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    valid_until = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    closed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    accepted_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    search_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    search_links = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    custom_fields = table.Column<string>(type: "TEXT", nullable: false, defaultValueSql: "'{}'"),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sample_plugin_quotes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "sample_plugin_ix_sample_plugin_quotes_assigned_by_id",
                table: "sample_plugin_quotes",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "sample_plugin_ix_sample_plugin_quotes_deal_id",
                table: "sample_plugin_quotes",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "sample_plugin_ix_sample_plugin_quotes_search_content",
                table: "sample_plugin_quotes",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sample_plugin_quote_terms");

            migrationBuilder.DropTable(
                name: "sample_plugin_quotes");
        }
    }
}
