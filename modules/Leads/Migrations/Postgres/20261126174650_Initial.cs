using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Leads.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "leads");

            migrationBuilder.CreateTable(
                name: "leads",
                schema: "leads",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    honorific = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    second_name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    last_name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    company_title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    post = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    status_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    status_description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    source_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    source_description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    opportunity = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    currency_id = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    assigned_by_id = table.Column<long>(type: "bigint", nullable: true),
                    opened = table.Column<bool>(type: "boolean", nullable: false),
                    comments = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: true),
                    birthdate = table.Column<DateOnly>(type: "date", nullable: true),
                    address = table.Column<string>(type: "jsonb", nullable: true),
                    utm_source = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_medium = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_campaign = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_content = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_term = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    phones = table.Column<string>(type: "jsonb", nullable: false),
                    emails = table.Column<string>(type: "jsonb", nullable: false),
                    webs = table.Column<string>(type: "jsonb", nullable: false),
                    ims = table.Column<string>(type: "jsonb", nullable: false),
                    contact_id = table.Column<long>(type: "bigint", nullable: true),
                    company_id = table.Column<long>(type: "bigint", nullable: true),
                    deal_id = table.Column<long>(type: "bigint", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_by_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_by_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_leads", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "leads",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    processed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_leads_company_id",
                schema: "leads",
                table: "leads",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "ix_leads_contact_id",
                schema: "leads",
                table: "leads",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "ix_leads_deal_id",
                schema: "leads",
                table: "leads",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "ix_leads_status_id_assigned_by_id",
                schema: "leads",
                table: "leads",
                columns: new[] { "status_id", "assigned_by_id" });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_event_id",
                schema: "leads",
                table: "outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_processed_at",
                schema: "leads",
                table: "outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "leads",
                schema: "leads");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "leads");
        }
    }
}
