using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.SelectionLists.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddListsVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "selection_lists_version",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_selection_lists_version", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "selection_lists_version",
                columns: new[] { "id", "version" },
                values: new object[] { 1, 1L });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "selection_lists_version");
        }
    }
}
