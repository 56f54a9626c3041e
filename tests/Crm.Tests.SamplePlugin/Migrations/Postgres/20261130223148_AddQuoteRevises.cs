using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Tests.SamplePlugin.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddQuoteRevises : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "revises_id",
                schema: "sample_plugin",
                table: "quotes",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_quotes_revises_id",
                schema: "sample_plugin",
                table: "quotes",
                column: "revises_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_quotes_revises_id",
                schema: "sample_plugin",
                table: "quotes");

            migrationBuilder.DropColumn(
                name: "revises_id",
                schema: "sample_plugin",
                table: "quotes");
        }
    }
}
