using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Duplicates.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "duplicates");

            migrationBuilder.CreateTable(
                name: "keys_built",
                schema: "duplicates",
                columns: table => new
                {
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    rules_version = table.Column<int>(type: "integer", nullable: false),
                    built_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_keys_built", x => x.entity_type);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                schema: "duplicates",
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
                name: "record_keys",
                schema: "duplicates",
                columns: table => new
                {
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    rule = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    record_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_record_keys", x => new { x.entity_type, x.rule, x.key, x.record_id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_event_id",
                schema: "duplicates",
                table: "outbox",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_processed_at",
                schema: "duplicates",
                table: "outbox",
                column: "processed_at");

            migrationBuilder.CreateIndex(
                name: "ix_record_keys_entity_type_record_id",
                schema: "duplicates",
                table: "record_keys",
                columns: new[] { "entity_type", "record_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "keys_built",
                schema: "duplicates");

            migrationBuilder.DropTable(
                name: "outbox",
                schema: "duplicates");

            migrationBuilder.DropTable(
                name: "record_keys",
                schema: "duplicates");
        }
    }
}
