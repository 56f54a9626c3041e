using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.CustomFields.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class KeepLastItemId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "last_item_id",
                table: "custom_fields_definitions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "last_item_id",
                table: "custom_fields_definitions");
        }
    }
}
