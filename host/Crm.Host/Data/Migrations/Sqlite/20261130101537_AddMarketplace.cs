using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddMarketplace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "platform_plugin_feeds",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    url = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    added_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    added_by = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_plugin_feeds", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "platform_plugin_installs",
                columns: table => new
                {
                    module_id = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    version = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    package_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    publisher = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    folder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    capabilities = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    feed = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    installed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    installed_by = table.Column<long>(type: "INTEGER", nullable: false),
                    pending_action = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    pending_version = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    pending_hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    purge_data = table.Column<bool>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_plugin_installs", x => x.module_id);
                });

            migrationBuilder.CreateTable(
                name: "platform_trusted_publishers",
                columns: table => new
                {
                    publisher = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                    public_key = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    key_id = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    added_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    added_by = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_platform_trusted_publishers", x => x.publisher);
                });

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_plugin_feeds_url",
                table: "platform_plugin_feeds",
                column: "url",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "platform_ix_platform_plugin_installs_folder",
                table: "platform_plugin_installs",
                column: "folder",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "platform_plugin_feeds");

            migrationBuilder.DropTable(
                name: "platform_plugin_installs");

            migrationBuilder.DropTable(
                name: "platform_trusted_publishers");
        }
    }
}
