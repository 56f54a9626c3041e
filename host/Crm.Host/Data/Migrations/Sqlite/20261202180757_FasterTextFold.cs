using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class FasterTextFold : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nothing on SQLite, where the fold is a .NET function of each connection (TextOrder.Register).
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
