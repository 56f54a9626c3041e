using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddUploadsPerOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_uploads_owner_id_expires_at",
                schema: "platform",
                table: "uploads",
                columns: new[] { "owner_id", "expires_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_uploads_owner_id_expires_at",
                schema: "platform",
                table: "uploads");
        }
    }
}
