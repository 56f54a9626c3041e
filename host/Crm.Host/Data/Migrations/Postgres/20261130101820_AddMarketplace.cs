using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddMarketplace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "plugin_feeds",
                schema: "platform",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    url = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    added_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    added_by = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plugin_feeds", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "plugin_installs",
                schema: "platform",
                columns: table => new
                {
                    module_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    package_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    publisher = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    folder = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    capabilities = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    feed = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    installed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    installed_by = table.Column<long>(type: "bigint", nullable: false),
                    pending_action = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    pending_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    pending_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    purge_data = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plugin_installs", x => x.module_id);
                });

            migrationBuilder.CreateTable(
                name: "trusted_publishers",
                schema: "platform",
                columns: table => new
                {
                    publisher = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    public_key = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    key_id = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    added_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    added_by = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_trusted_publishers", x => x.publisher);
                });

            migrationBuilder.CreateIndex(
                name: "ix_plugin_feeds_url",
                schema: "platform",
                table: "plugin_feeds",
                column: "url",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_plugin_installs_folder",
                schema: "platform",
                table: "plugin_installs",
                column: "folder",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "plugin_feeds",
                schema: "platform");

            migrationBuilder.DropTable(
                name: "plugin_installs",
                schema: "platform");

            migrationBuilder.DropTable(
                name: "trusted_publishers",
                schema: "platform");
        }
    }
}
