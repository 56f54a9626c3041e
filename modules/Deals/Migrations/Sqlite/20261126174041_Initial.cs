using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "deals_deals",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    type_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    pipeline_id = table.Column<long>(type: "INTEGER", nullable: false),
                    stage_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    stage_semantics = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    closed = table.Column<bool>(type: "INTEGER", nullable: false),
                    probability = table.Column<int>(type: "INTEGER", nullable: true),
                    opportunity = table.Column<long>(type: "INTEGER", nullable: false),
                    currency_id = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    begin_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    close_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    company_id = table.Column<long>(type: "INTEGER", nullable: true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: true),
                    source_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    source_description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false),
                    comments = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: true),
                    lead_id = table.Column<long>(type: "INTEGER", nullable: true),
                    utm_source = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_medium = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_campaign = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_content = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    utm_term = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deals_deals", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deals_outbox",
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
                    table.PrimaryKey("pk_deals_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deals_pipelines",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    sort = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deals_pipelines", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deals_deal_contacts",
                columns: table => new
                {
                    deal_id = table.Column<long>(type: "INTEGER", nullable: false),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: false),
                    sort = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deals_deal_contacts", x => new { x.deal_id, x.contact_id });
                    table.ForeignKey(
                        name: "fk_deals_deal_contacts_deals_deals_deal_id",
                        column: x => x.deal_id,
                        principalTable: "deals_deals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "deals_pipelines",
                columns: new[] { "id", "name", "sort" },
                values: new object[] { 0L, "General", 10 });

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deal_contacts_contact_id",
                table: "deals_deal_contacts",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_assigned_by_id_closed",
                table: "deals_deals",
                columns: new[] { "assigned_by_id", "closed" });

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_company_id",
                table: "deals_deals",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_contact_id",
                table: "deals_deals",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_lead_id",
                table: "deals_deals",
                column: "lead_id");

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_pipeline_id_stage_id",
                table: "deals_deals",
                columns: new[] { "pipeline_id", "stage_id" });

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_deals_stage_id_opportunity",
                table: "deals_deals",
                columns: new[] { "stage_id", "opportunity" });

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_outbox_event_id",
                table: "deals_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "deals_ix_deals_outbox_processed_at",
                table: "deals_outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deals_deal_contacts");

            migrationBuilder.DropTable(
                name: "deals_outbox");

            migrationBuilder.DropTable(
                name: "deals_pipelines");

            migrationBuilder.DropTable(
                name: "deals_deals");
        }
    }
}
