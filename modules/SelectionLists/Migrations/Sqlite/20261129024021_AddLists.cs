using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.SelectionLists.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddLists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The seed rows the model no longer declares stay: they are data now (DeclaredListsStartup).
            migrationBuilder.CreateTable(
                name: "selection_lists_lists",
                columns: table => new
                {
                    entity_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_selection_lists_lists", x => x.entity_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "selection_lists_lists");
        }
    }
}
