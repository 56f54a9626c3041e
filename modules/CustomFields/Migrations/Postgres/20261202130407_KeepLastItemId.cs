using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.CustomFields.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class KeepLastItemId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "last_item_id",
                schema: "custom_fields",
                table: "definitions",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "last_item_id",
                schema: "custom_fields",
                table: "definitions");
        }
    }
}
