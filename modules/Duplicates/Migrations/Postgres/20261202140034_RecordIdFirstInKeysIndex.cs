using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Duplicates.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class RecordIdFirstInKeysIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_record_keys_entity_type_record_id",
                schema: "duplicates",
                table: "record_keys");

            migrationBuilder.CreateIndex(
                name: "ix_record_keys_record_id_entity_type",
                schema: "duplicates",
                table: "record_keys",
                columns: new[] { "record_id", "entity_type" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_record_keys_record_id_entity_type",
                schema: "duplicates",
                table: "record_keys");

            migrationBuilder.CreateIndex(
                name: "ix_record_keys_entity_type_record_id",
                schema: "duplicates",
                table: "record_keys",
                columns: new[] { "entity_type", "record_id" });
        }
    }
}
