using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Contacts.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddSearchContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "search_content",
                table: "contacts_contacts",
                type: "TEXT",
                maxLength: 4000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_contacts_search_content",
                table: "contacts_contacts",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "contacts_ix_contacts_contacts_search_content",
                table: "contacts_contacts");

            migrationBuilder.DropColumn(
                name: "search_content",
                table: "contacts_contacts");
        }
    }
}
