using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.SelectionLists.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddListsVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "version",
                schema: "selection_lists",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_version", x => x.id);
                });

            migrationBuilder.InsertData(
                schema: "selection_lists",
                table: "version",
                columns: new[] { "id", "version" },
                values: new object[] { 1, 1L });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "version",
                schema: "selection_lists");
        }
    }
}
