using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Contacts.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "contacts_contacts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    honorific = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    second_name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    last_name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    post = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    phones = table.Column<string>(type: "TEXT", nullable: false),
                    emails = table.Column<string>(type: "TEXT", nullable: false),
                    birthdate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    comments = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contacts_contacts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "contacts_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    processed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    last_error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contacts_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "contacts_contact_companies",
                columns: table => new
                {
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    company_id = table.Column<long>(type: "INTEGER", nullable: false),
                    sort = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_contacts_contact_companies", x => new { x.contact_id, x.company_id });
                    table.ForeignKey(
                        name: "fk_contacts_contact_companies_contacts_contacts_contact_id",
                        column: x => x.contact_id,
                        principalTable: "contacts_contacts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_contact_companies_company_id",
                table: "contacts_contact_companies",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_contacts_assigned_by_id",
                table: "contacts_contacts",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_contacts_last_name",
                table: "contacts_contacts",
                column: "last_name");

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_outbox_event_id",
                table: "contacts_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "contacts_ix_contacts_outbox_processed_at",
                table: "contacts_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "contacts_contact_companies");

            migrationBuilder.DropTable(
                name: "contacts_outbox");

            migrationBuilder.DropTable(
                name: "contacts_contacts");
        }
    }
}
