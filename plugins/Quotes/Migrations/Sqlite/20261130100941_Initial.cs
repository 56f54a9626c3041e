using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Acme.Quotes.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "acme_quotes_document_counters",
                columns: table => new
                {
                    kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    year = table.Column<int>(type: "INTEGER", nullable: false),
                    last_number = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_acme_quotes_document_counters", x => new { x.kind, x.year });
                });

            migrationBuilder.CreateTable(
                name: "acme_quotes_invoices",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    quote_id = table.Column<long>(type: "INTEGER", nullable: true),
                    due_date = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    search_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    search_links = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    custom_fields = table.Column<string>(type: "TEXT", nullable: false, defaultValueSql: "'{}'"),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    number = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    deal_id = table.Column<long>(type: "INTEGER", nullable: true),
                    company_id = table.Column<long>(type: "INTEGER", nullable: true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: true),
                    status_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    currency_id = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    subtotal = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_total = table.Column<long>(type: "INTEGER", nullable: false),
                    total = table.Column<long>(type: "INTEGER", nullable: false),
                    row_count = table.Column<int>(type: "INTEGER", nullable: false),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_acme_quotes_invoices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "acme_quotes_outbox",
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
                    table.PrimaryKey("pk_acme_quotes_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "acme_quotes_quotes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    valid_until = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    search_content = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    search_links = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    custom_fields = table.Column<string>(type: "TEXT", nullable: false, defaultValueSql: "'{}'"),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    number = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    deal_id = table.Column<long>(type: "INTEGER", nullable: true),
                    company_id = table.Column<long>(type: "INTEGER", nullable: true),
                    contact_id = table.Column<long>(type: "INTEGER", nullable: true),
                    status_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    currency_id = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    subtotal = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_total = table.Column<long>(type: "INTEGER", nullable: false),
                    total = table.Column<long>(type: "INTEGER", nullable: false),
                    row_count = table.Column<int>(type: "INTEGER", nullable: false),
                    assigned_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    opened = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_acme_quotes_quotes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "acme_quotes_invoice_rows",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    document_id = table.Column<long>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    product_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    price = table.Column<long>(type: "INTEGER", nullable: false),
                    quantity = table.Column<long>(type: "INTEGER", nullable: false),
                    discount_rate = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_rate = table.Column<long>(type: "INTEGER", nullable: false),
                    net_amount = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_amount = table.Column<long>(type: "INTEGER", nullable: false),
                    total_amount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_acme_quotes_invoice_rows", x => x.id);
                    table.ForeignKey(
                        name: "fk_acme_quotes_invoice_rows_invoices_document_id",
                        column: x => x.document_id,
                        principalTable: "acme_quotes_invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "acme_quotes_quote_rows",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    document_id = table.Column<long>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false),
                    product_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    price = table.Column<long>(type: "INTEGER", nullable: false),
                    quantity = table.Column<long>(type: "INTEGER", nullable: false),
                    discount_rate = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_rate = table.Column<long>(type: "INTEGER", nullable: false),
                    net_amount = table.Column<long>(type: "INTEGER", nullable: false),
                    tax_amount = table.Column<long>(type: "INTEGER", nullable: false),
                    total_amount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_acme_quotes_quote_rows", x => x.id);
                    table.ForeignKey(
                        name: "fk_acme_quotes_quote_rows_quotes_document_id",
                        column: x => x.document_id,
                        principalTable: "acme_quotes_quotes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoice_rows_document_id_position",
                table: "acme_quotes_invoice_rows",
                columns: new[] { "document_id", "position" });

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_assigned_by_id",
                table: "acme_quotes_invoices",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_company_id",
                table: "acme_quotes_invoices",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_contact_id",
                table: "acme_quotes_invoices",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_deal_id",
                table: "acme_quotes_invoices",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_number",
                table: "acme_quotes_invoices",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_quote_id",
                table: "acme_quotes_invoices",
                column: "quote_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_invoices_search_content",
                table: "acme_quotes_invoices",
                column: "search_content");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_outbox_event_id",
                table: "acme_quotes_outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_outbox_processed_at",
                table: "acme_quotes_outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quote_rows_document_id_position",
                table: "acme_quotes_quote_rows",
                columns: new[] { "document_id", "position" });

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_assigned_by_id",
                table: "acme_quotes_quotes",
                column: "assigned_by_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_company_id",
                table: "acme_quotes_quotes",
                column: "company_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_contact_id",
                table: "acme_quotes_quotes",
                column: "contact_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_deal_id",
                table: "acme_quotes_quotes",
                column: "deal_id");

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_number",
                table: "acme_quotes_quotes",
                column: "number",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "acme_quotes_ix_acme_quotes_quotes_search_content",
                table: "acme_quotes_quotes",
                column: "search_content");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "acme_quotes_document_counters");

            migrationBuilder.DropTable(
                name: "acme_quotes_invoice_rows");

            migrationBuilder.DropTable(
                name: "acme_quotes_outbox");

            migrationBuilder.DropTable(
                name: "acme_quotes_quote_rows");

            migrationBuilder.DropTable(
                name: "acme_quotes_invoices");

            migrationBuilder.DropTable(
                name: "acme_quotes_quotes");
        }
    }
}
