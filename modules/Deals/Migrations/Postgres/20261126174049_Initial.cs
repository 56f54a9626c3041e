using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "deals");

            migrationBuilder.CreateTable(
                name: "deals",
                schema: "deals",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    title = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    type_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    pipeline_id = table.Column<long>(type: "bigint", nullable: false),
                    stage_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    stage_semantics = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    closed = table.Column<bool>(type: "boolean", nullable: false),
                    probability = table.Column<int>(type: "integer", nullable: true),
                    opportunity = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    currency_id = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    begin_date = table.Column<DateOnly>(type: "date", nullable: true),
                    close_date = table.Column<DateOnly>(type: "date", nullable: true),
                    company_id = table.Column<long>(type: "bigint", nullable: true),
                    contact_id = table.Column<long>(type: "bigint", nullable: true),
                    source_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    source_description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    assigned_by_id = table.Column<long>(type: "bigint", nullable: true),
                    opened = table.Column<bool>(type: "boolean", nullable: false),
                    comments = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: true),
                    lead_id = table.Column<long>(type: "bigint", nullable: true),
                    utm_source = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_medium = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_campaign = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_content = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    utm_term = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_by_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_by_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deals", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "deals",
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

            migrationBuilder.CreateTable(
                name: "pipelines",
                schema: "deals",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    sort = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pipelines", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "deal_contacts",
                schema: "deals",
                columns: table => new
                {
                    deal_id = table.Column<long>(type: "bigint", nullable: false),
                    contact_id = table.Column<long>(type: "bigint", nullable: false),
                    sort = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deal_contacts", x => new { x.deal_id, x.contact_id });
                    table.ForeignKey(
                        name: "fk_deal_contacts_deals_deal_id",
                        column: x => x.deal_id,
                        principalSchema: "deals",
                        principalTable: "deals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                schema: "deals",
                table: "pipelines",
                columns: new[] { "id", "name", "sort" },
                values: new object[] { 0L, "General", 10 });

            migrationBuilder.CreateIndex(
                name: "ix_deal_contacts_contact_id",
                schema: "deals",
                table: "deal_contacts",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "ix_deals_assigned_by_id_closed",
                schema: "deals",
                table: "deals",
                columns: new[] { "assigned_by_id", "closed" });

            migrationBuilder.CreateIndex(
                name: "ix_deals_company_id",
                schema: "deals",
                table: "deals",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "ix_deals_contact_id",
                schema: "deals",
                table: "deals",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "ix_deals_lead_id",
                schema: "deals",
                table: "deals",
                column: "lead_id");

            migrationBuilder.CreateIndex(
                name: "ix_deals_pipeline_id_stage_id",
                schema: "deals",
                table: "deals",
                columns: new[] { "pipeline_id", "stage_id" });

            migrationBuilder.CreateIndex(
                name: "ix_deals_stage_id_opportunity",
                schema: "deals",
                table: "deals",
                columns: new[] { "stage_id", "opportunity" });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_event_id",
                schema: "deals",
                table: "outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_processed_at",
                schema: "deals",
                table: "outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "deal_contacts",
                schema: "deals");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "deals");

            migrationBuilder.DropTable(
                name: "pipelines",
                schema: "deals");

            migrationBuilder.DropTable(
                name: "deals",
                schema: "deals");
        }
    }
}
