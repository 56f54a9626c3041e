using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Leads.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "leads_leads",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    honorific = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    second_name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    last_name = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    company_title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    post = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    status_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    status_description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    source_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    source_description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    opportunity = table.Column<long>(type: "INTEGER", nullable: true),
                    currency_id = table.Column<string>(type: "TEXT", maxLength: 3, nullable: true),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    comments = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    birthdate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    address = table.Column<string>(type: "TEXT", nullable: true),
                    utm_source = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_medium = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_campaign = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_content = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_term = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    phones = table.Column<string>(type: "TEXT", nullable: false),
                    emails = table.Column<string>(type: "TEXT", nullable: false),
                    webs = table.Column<string>(type: "TEXT", nullable: false),
                    ims = table.Column<string>(type: "TEXT", nullable: false),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: true),
                    company_id = table.Column<long>(type: "INTEGER", nullable: true),
                    deal_id = table.Column<long>(type: "INTEGER", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_leads_leads", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "leads_outbox",
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
                    table.PrimaryKey("pk_leads_outbox", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_leads_company_id",
                table: "leads_leads",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_leads_contact_id",
                table: "leads_leads",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_leads_deal_id",
                table: "leads_leads",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_leads_status_id_assigned_by_id",
                table: "leads_leads",
                columns: new[] { "status_id", "assigned_by_id" });

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_outbox_event_id",
                table: "leads_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "leads_ix_leads_outbox_processed_at",
                table: "leads_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "leads_leads");

            migrationBuilder.DropTable(
                name: "leads_outbox");
        }
    }
}
