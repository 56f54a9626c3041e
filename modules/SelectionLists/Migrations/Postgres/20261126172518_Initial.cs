using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace Crm.Modules.SelectionLists.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "selection_lists");

            migrationBuilder.CreateTable(
                name: "items",
                schema: "selection_lists",
                columns: table => new
                {
                    entity_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    status_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    sort = table.Column<int>(type: "integer", nullable: false),
                    color = table.Column<string>(type: "character varying(7)", maxLength: 7, nullable: true),
                    semantics = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    system = table.Column<bool>(type: "boolean", nullable: false),
                    probability = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_items", x => new { x.entity_id, x.status_id });
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "selection_lists",
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

            migrationBuilder.InsertData(
                schema: "selection_lists",
                table: "items",
                columns: new[] { "entity_id", "status_id", "color", "name", "probability", "semantics", "sort", "system" },
                values: new object[,]
                {
                    { "COMPANY_TYPE", "COMPETITOR", null, "Competitor", null, null, 30, false },
                    { "COMPANY_TYPE", "CUSTOMER", null, "Client", null, null, 10, false },
                    { "COMPANY_TYPE", "OTHER", null, "Other", null, null, 50, false },
                    { "COMPANY_TYPE", "PARTNER", null, "Partner", null, null, 40, false },
                    { "COMPANY_TYPE", "SUPPLIER", null, "Supplier", null, null, 20, false },
                    { "CONTACT_TYPE", "CLIENT", null, "Clients", null, null, 10, false },
                    { "CONTACT_TYPE", "OTHER", null, "Other", null, null, 40, false },
                    { "CONTACT_TYPE", "PARTNER", null, "Partners", null, null, 30, false },
                    { "CONTACT_TYPE", "SUPPLIER", null, "Suppliers", null, null, 20, false },
                    { "DEAL_STAGE", "EXECUTING", "#47E4C2", "In progress", 60, "Process", 40, false },
                    { "DEAL_STAGE", "FINAL_INVOICE", "#FFA900", "Final invoice", 80, "Process", 50, false },
                    { "DEAL_STAGE", "LOSE", "#FF5752", "Deal lost", 0, "Failure", 70, true },
                    { "DEAL_STAGE", "NEW", "#39A8EF", "New", 10, "Process", 10, true },
                    { "DEAL_STAGE", "PREPARATION", "#2FC6F6", "Document preparation", 20, "Process", 20, false },
                    { "DEAL_STAGE", "PREPAYMENT_INVOICE", "#55D0E0", "Invoice", 40, "Process", 30, false },
                    { "DEAL_STAGE", "WON", "#7BD500", "Deal won", 100, "Success", 60, true },
                    { "DEAL_TYPE", "COMPLEX", null, "Complex sale", null, null, 20, false },
                    { "DEAL_TYPE", "GOODS", null, "Merchandise sale", null, null, 30, false },
                    { "DEAL_TYPE", "SALE", null, "Sales", null, null, 10, false },
                    { "DEAL_TYPE", "SERVICE", null, "After-sales service", null, null, 50, false },
                    { "DEAL_TYPE", "SERVICES", null, "Service sale", null, null, 40, false },
                    { "EMPLOYEES", "EMPLOYEES_1", null, "less than 50", null, null, 10, false },
                    { "EMPLOYEES", "EMPLOYEES_2", null, "50-250", null, null, 20, false },
                    { "EMPLOYEES", "EMPLOYEES_3", null, "250-500", null, null, 30, false },
                    { "EMPLOYEES", "EMPLOYEES_4", null, "over 500", null, null, 40, false },
                    { "HONORIFIC", "HNR_EN_1", null, "Mr.", null, null, 10, false },
                    { "HONORIFIC", "HNR_EN_2", null, "Mrs.", null, null, 20, false },
                    { "HONORIFIC", "HNR_EN_3", null, "Ms.", null, null, 30, false },
                    { "HONORIFIC", "HNR_EN_4", null, "Dr.", null, null, 40, false },
                    { "INDUSTRY", "BANKING", null, "Banking Services", null, null, 40, false },
                    { "INDUSTRY", "CONSULTING", null, "Consulting", null, null, 50, false },
                    { "INDUSTRY", "DELIVERY", null, "Delivery", null, null, 80, false },
                    { "INDUSTRY", "ENTERTAINMENT", null, "Entertainment", null, null, 90, false },
                    { "INDUSTRY", "FINANCE", null, "Finance", null, null, 60, false },
                    { "INDUSTRY", "GOVERNMENT", null, "Government", null, null, 70, false },
                    { "INDUSTRY", "IT", null, "Information Technology", null, null, 10, false },
                    { "INDUSTRY", "MANUFACTURING", null, "Manufacturing", null, null, 30, false },
                    { "INDUSTRY", "NOTPROFIT", null, "Not for profit", null, null, 100, false },
                    { "INDUSTRY", "OTHER", null, "Other", null, null, 110, false },
                    { "INDUSTRY", "TELECOM", null, "Telecommunication", null, null, 20, false },
                    { "SOURCE", "ADVERTISING", null, "Advertising", null, null, 40, false },
                    { "SOURCE", "CALL", null, "Call", null, null, 10, false },
                    { "SOURCE", "CALLBACK", null, "Callback", null, null, 90, false },
                    { "SOURCE", "EMAIL", null, "E-mail", null, null, 20, false },
                    { "SOURCE", "OTHER", null, "Other", null, null, 110, false },
                    { "SOURCE", "PARTNER", null, "Existing client", null, null, 50, false },
                    { "SOURCE", "RECOMMENDATION", null, "By recommendation", null, null, 60, false },
                    { "SOURCE", "STORE", null, "Online store", null, null, 100, false },
                    { "SOURCE", "TRADE_SHOW", null, "Show/Exhibition", null, null, 70, false },
                    { "SOURCE", "WEB", null, "Website", null, null, 30, false },
                    { "SOURCE", "WEBFORM", null, "CRM form", null, null, 80, false },
                    { "STATUS", "CONVERTED", "#7BD500", "Good lead", null, "Success", 40, true },
                    { "STATUS", "IN_PROCESS", "#2FC6F6", "In progress", null, "Process", 20, false },
                    { "STATUS", "JUNK", "#FF5752", "Junk lead", null, "Failure", 50, true },
                    { "STATUS", "NEW", "#39A8EF", "Unassigned", null, "Process", 10, true },
                    { "STATUS", "PROCESSED", "#55D0E0", "Processed", null, "Process", 30, false }
                });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_event_id",
                schema: "selection_lists",
                table: "outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_processed_at",
                schema: "selection_lists",
                table: "outbox",
                column: "processed_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "items",
                schema: "selection_lists");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "selection_lists");
        }
    }
}
