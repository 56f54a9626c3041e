using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Duplicates.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RecordIdFirstInKeysIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "duplicates_ix_duplicates_record_keys_entity_type_record_id",
                table: "duplicates_record_keys");

            migrationBuilder.CreateIndex(
                name: "duplicates_ix_duplicates_record_keys_record_id_entity_type",
                table: "duplicates_record_keys",
                columns: new[] { "record_id", "entity_type" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "duplicates_ix_duplicates_record_keys_record_id_entity_type",
                table: "duplicates_record_keys");

            migrationBuilder.CreateIndex(
                name: "duplicates_ix_duplicates_record_keys_entity_type_record_id",
                table: "duplicates_record_keys",
                columns: new[] { "entity_type", "record_id" });
        }
    }
}
