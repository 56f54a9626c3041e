using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Tests.SamplePlugin.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddQuoteRevises : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "revises_id",
                table: "sample_plugin_quotes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "sample_plugin_ix_sample_plugin_quotes_revises_id",
                table: "sample_plugin_quotes",
                column: "revises_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "sample_plugin_ix_sample_plugin_quotes_revises_id",
                table: "sample_plugin_quotes");

            migrationBuilder.DropColumn(
                name: "revises_id",
                table: "sample_plugin_quotes");
        }
    }
}
