using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddProcesses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "processes",
                schema: "automation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    latest_version = table.Column<int>(type: "integer", nullable: false),
                    active_version = table.Column<int>(type: "integer", nullable: true),
                    template_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_by_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_processes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "process_instances",
                schema: "automation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    process_id = table.Column<long>(type: "bigint", nullable: false),
                    process_version = table.Column<int>(type: "integer", nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    active_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    start_event_id = table.Column<Guid>(type: "uuid", nullable: true),
                    started_via = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    started_by_id = table.Column<long>(type: "bigint", nullable: true),
                    parent_instance_id = table.Column<long>(type: "bigint", nullable: true),
                    parent_token = table.Column<int>(type: "integer", nullable: true),
                    depth = table.Column<int>(type: "integer", nullable: false),
                    run_as_user_id = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    awaits_record_change = table.Column<bool>(type: "boolean", nullable: false),
                    steps_taken = table.Column<int>(type: "integer", nullable: false),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_process_instances", x => x.id);
                    table.ForeignKey(
                        name: "fk_process_instances_processes_process_id",
                        column: x => x.process_id,
                        principalSchema: "automation",
                        principalTable: "processes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "process_versions",
                schema: "automation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    process_id = table.Column<long>(type: "bigint", nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    definition = table.Column<string>(type: "text", nullable: false),
                    run_as_user_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    created_by_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    activated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    archived_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_process_versions", x => x.id);
                    table.ForeignKey(
                        name: "fk_process_versions_processes_process_id",
                        column: x => x.process_id,
                        principalSchema: "automation",
                        principalTable: "processes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "process_approvals",
                schema: "automation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    instance_id = table.Column<long>(type: "bigint", nullable: false),
                    step_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    token = table.Column<int>(type: "integer", nullable: false),
                    title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    entity_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "bigint", nullable: false),
                    mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_process_approvals", x => x.id);
                    table.ForeignKey(
                        name: "fk_process_approvals_process_instances_instance_id",
                        column: x => x.instance_id,
                        principalSchema: "automation",
                        principalTable: "process_instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "process_step_runs",
                schema: "automation",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    instance_id = table.Column<long>(type: "bigint", nullable: false),
                    token = table.Column<int>(type: "integer", nullable: false),
                    step_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    outcome = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    output = table.Column<string>(type: "text", nullable: true),
                    error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_process_step_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_process_step_runs_process_instances_instance_id",
                        column: x => x.instance_id,
                        principalSchema: "automation",
                        principalTable: "process_instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "process_approval_assignees",
                schema: "automation",
                columns: table => new
                {
                    approval_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    decision = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: true),
                    comment = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_process_approval_assignees", x => new { x.approval_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_process_approval_assignees_process_approvals_approval_id",
                        column: x => x.approval_id,
                        principalSchema: "automation",
                        principalTable: "process_approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_process_approval_assignees_user_id_decision",
                schema: "automation",
                table: "process_approval_assignees",
                columns: new[] { "user_id", "decision" });

            migrationBuilder.CreateIndex(
                name: "ix_process_approvals_instance_id_id",
                schema: "automation",
                table: "process_approvals",
                columns: new[] { "instance_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_active_key",
                schema: "automation",
                table: "process_instances",
                column: "active_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_entity_type_entity_id_id",
                schema: "automation",
                table: "process_instances",
                columns: new[] { "entity_type", "entity_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_parent_instance_id",
                schema: "automation",
                table: "process_instances",
                column: "parent_instance_id");

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_process_id_id",
                schema: "automation",
                table: "process_instances",
                columns: new[] { "process_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_process_instances_process_id_start_event_id_entity_id",
                schema: "automation",
                table: "process_instances",
                columns: new[] { "process_id", "start_event_id", "entity_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_process_step_runs_instance_id_id",
                schema: "automation",
                table: "process_step_runs",
                columns: new[] { "instance_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_process_versions_process_id_version",
                schema: "automation",
                table: "process_versions",
                columns: new[] { "process_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_process_versions_active",
                schema: "automation",
                table: "process_versions",
                column: "process_id",
                unique: true,
                filter: "state = 'Active'");

            migrationBuilder.CreateIndex(
                name: "ux_process_versions_draft",
                schema: "automation",
                table: "process_versions",
                column: "process_id",
                unique: true,
                filter: "state = 'Draft'");

            migrationBuilder.CreateIndex(
                name: "ix_processes_entity_type_active_version",
                schema: "automation",
                table: "processes",
                columns: new[] { "entity_type", "active_version" });

            migrationBuilder.CreateIndex(
                name: "ix_processes_template_key",
                schema: "automation",
                table: "processes",
                column: "template_key",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "process_approval_assignees",
                schema: "automation");

            migrationBuilder.DropTable(
                name: "process_step_runs",
                schema: "automation");

            migrationBuilder.DropTable(
                name: "process_versions",
                schema: "automation");

            migrationBuilder.DropTable(
                name: "process_approvals",
                schema: "automation");

            migrationBuilder.DropTable(
                name: "process_instances",
                schema: "automation");

            migrationBuilder.DropTable(
                name: "processes",
                schema: "automation");
        }
    }
}
