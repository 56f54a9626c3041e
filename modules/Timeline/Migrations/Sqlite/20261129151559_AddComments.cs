using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Timeline.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddComments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "timeline_comments",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    author_id = table.Column<long>(type: "INTEGER", nullable: false),
                    text = table.Column<string>(type: "TEXT", maxLength: 10000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    pinned = table.Column<bool>(type: "INTEGER", nullable: false),
                    pinned_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    event_id = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_timeline_comments", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "timeline_comment_mentions",
                columns: table => new
                {
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    comment_id = table.Column<long>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_timeline_comment_mentions", x => new { x.user_id, x.comment_id });
                    table.ForeignKey(
                        name: "fk_timeline_comment_mentions_timeline_comments_comment_id",
                        column: x => x.comment_id,
                        principalTable: "timeline_comments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_comment_mentions_comment_id",
                table: "timeline_comment_mentions",
                column: "comment_id");

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_comments_entity_type_entity_id_pinned",
                table: "timeline_comments",
                columns: new[] { "entity_type", "entity_id", "pinned" });

            migrationBuilder.CreateIndex(
                name: "timeline_ix_timeline_comments_event_id",
                table: "timeline_comments",
                column: "event_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "timeline_comment_mentions");

            migrationBuilder.DropTable(
                name: "timeline_comments");
        }
    }
}
