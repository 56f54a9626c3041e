using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddUploadsPerOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_uploads_owner_id_expires_at",
                table: "platform_uploads",
                columns: new[] { "owner_id", "expires_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "platform_ix_platform_uploads_owner_id_expires_at",
                table: "platform_uploads");
        }
    }
}
