using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Contacts.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddTypeAndSource : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "source_description",
                table: "contacts_contacts",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "source_id",
                table: "contacts_contacts",
                type: "TEXT",
                maxLength: 50,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "type_id",
                table: "contacts_contacts",
                type: "TEXT",
                maxLength: 50,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "source_description",
                table: "contacts_contacts");

            migrationBuilder.DropColumn(
                name: "source_id",
                table: "contacts_contacts");

            migrationBuilder.DropColumn(
                name: "type_id",
                table: "contacts_contacts");
        }
    }
}
