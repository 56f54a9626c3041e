using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Contacts.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddTypeAndSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "honorific",
                schema: "contacts",
                table: "contacts",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(128)",
                oldMaxLength: 128,
                oldNullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_description",
                schema: "contacts",
                table: "contacts",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_id",
                schema: "contacts",
                table: "contacts",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "type_id",
                schema: "contacts",
                table: "contacts",
                type: "character varying(50)",
                maxLength: 50,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "source_description",
                schema: "contacts",
                table: "contacts");

            migrationBuilder.DropColumn(
                name: "source_id",
                schema: "contacts",
                table: "contacts");

            migrationBuilder.DropColumn(
                name: "type_id",
                schema: "contacts",
                table: "contacts");

            migrationBuilder.AlterColumn<string>(
                name: "honorific",
                schema: "contacts",
                table: "contacts",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(50)",
                oldMaxLength: 50,
                oldNullable: true);
        }
    }
}
