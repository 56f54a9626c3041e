using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Tests.SamplePlugin.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddQuoteNotes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sample_plugin_quote_notes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    quote_id = table.Column<long>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sample_plugin_quote_notes", x => x.id);
                    table.ForeignKey(
                        name: "fk_sample_plugin_quote_notes_sample_plugin_quotes_quote_id",
                        column: x => x.quote_id,
                        principalTable: "sample_plugin_quotes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "sample_plugin_ix_sample_plugin_quote_notes_quote_id",
                table: "sample_plugin_quote_notes",
                column: "quote_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sample_plugin_quote_notes");
        }
    }
}
