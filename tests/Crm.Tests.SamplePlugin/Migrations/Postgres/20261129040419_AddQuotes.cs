using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Tests.SamplePlugin.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddQuotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.CreateTable(
                name: "quote_terms",
                schema: "sample_plugin",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    validity_days = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quote_terms", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "quotes",
                schema: "sample_plugin",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    deal_id = table.Column<long>(type: "bigint", nullable: true),
                    status_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    amount = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    currency_id = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    valid_until = table.Column<DateOnly>(type: "date", nullable: true),
                    closed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    accepted_by_id = table.Column<long>(type: "bigint", nullable: true),
                    assigned_by_id = table.Column<long>(type: "bigint", nullable: true),
                    opened = table.Column<bool>(type: "boolean", nullable: false),
                    search_content = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    search_links = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    custom_fields = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'{}'"),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_by_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_by_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quotes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_quotes_assigned_by_id",
                schema: "sample_plugin",
                table: "quotes",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "ix_quotes_deal_id",
                schema: "sample_plugin",
                table: "quotes",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "ix_quotes_search_content",
                schema: "sample_plugin",
                table: "quotes",
                column: "search_content")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_quotes_search_links",
                schema: "sample_plugin",
                table: "quotes",
                column: "search_links")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "quote_terms",
                schema: "sample_plugin");

            migrationBuilder.DropTable(
                name: "quotes",
                schema: "sample_plugin");

            migrationBuilder.AlterDatabase()
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");
        }
    }
}
