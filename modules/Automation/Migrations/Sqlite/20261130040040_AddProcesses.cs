using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Automation.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddProcesses : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "automation_processes",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    latest_version = table.Column<int>(type: "INTEGER", nullable: false),
                    active_version = table.Column<int>(type: "INTEGER", nullable: true),
                    template_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_processes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "automation_process_instances",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    run_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    process_id = table.Column<long>(type: "INTEGER", nullable: false),
                    process_version = table.Column<int>(type: "INTEGER", nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    active_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    start_event_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    started_via = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    started_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    parent_instance_id = table.Column<long>(type: "INTEGER", nullable: true),
                    parent_token = table.Column<int>(type: "INTEGER", nullable: true),
                    depth = table.Column<int>(type: "INTEGER", nullable: false),
                    run_as_user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    state = table.Column<string>(type: "TEXT", nullable: false),
                    awaits_record_change = table.Column<bool>(type: "INTEGER", nullable: false),
                    steps_taken = table.Column<int>(type: "INTEGER", nullable: false),
                    revision = table.Column<int>(type: "INTEGER", nullable: false),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_process_instances", x => x.id);
                    table.ForeignKey(
                        name: "fk_automation_process_instances_automation_processes_process_id",
                        column: x => x.process_id,
                        principalTable: "automation_processes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "automation_process_versions",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    process_id = table.Column<long>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    definition = table.Column<string>(type: "TEXT", nullable: false),
                    run_as_user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_by_id = table.Column<long>(type: "INTEGER", nullable: true),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    activated_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    archived_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_process_versions", x => x.id);
                    table.ForeignKey(
                        name: "fk_automation_process_versions_automation_processes_process_id",
                        column: x => x.process_id,
                        principalTable: "automation_processes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "automation_process_approvals",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    instance_id = table.Column<long>(type: "INTEGER", nullable: false),
                    step_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    token = table.Column<int>(type: "INTEGER", nullable: false),
                    title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    entity_type = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    entity_id = table.Column<long>(type: "INTEGER", nullable: false),
                    mode = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_process_approvals", x => x.id);
                    table.ForeignKey(
                        name: "fk_automation_process_approvals_process_instances_instance_id",
                        column: x => x.instance_id,
                        principalTable: "automation_process_instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "automation_process_step_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    instance_id = table.Column<long>(type: "INTEGER", nullable: false),
                    token = table.Column<int>(type: "INTEGER", nullable: false),
                    step_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    output = table.Column<string>(type: "TEXT", nullable: true),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_process_step_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_automation_process_step_runs_automation_process_instances_instance_id",
                        column: x => x.instance_id,
                        principalTable: "automation_process_instances",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "automation_process_approval_assignees",
                columns: table => new
                {
                    approval_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<long>(type: "INTEGER", nullable: false),
                    decision = table.Column<string>(type: "TEXT", maxLength: 24, nullable: true),
                    comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_automation_process_approval_assignees", x => new { x.approval_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_automation_process_approval_assignees_automation_process_approvals_approval_id",
                        column: x => x.approval_id,
                        principalTable: "automation_process_approvals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_approval_assignees_user_id_decision",
                table: "automation_process_approval_assignees",
                columns: new[] { "user_id", "decision" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_approvals_instance_id_id",
                table: "automation_process_approvals",
                columns: new[] { "instance_id", "id" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_active_key",
                table: "automation_process_instances",
                column: "active_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_entity_type_entity_id_id",
                table: "automation_process_instances",
                columns: new[] { "entity_type", "entity_id", "id" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_parent_instance_id",
                table: "automation_process_instances",
                column: "parent_instance_id");

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_process_id_id",
                table: "automation_process_instances",
                columns: new[] { "process_id", "id" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_instances_process_id_start_event_id_entity_id",
                table: "automation_process_instances",
                columns: new[] { "process_id", "start_event_id", "entity_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_step_runs_instance_id_id",
                table: "automation_process_step_runs",
                columns: new[] { "instance_id", "id" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_process_versions_process_id_version",
                table: "automation_process_versions",
                columns: new[] { "process_id", "version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "automation_ux_process_versions_active",
                table: "automation_process_versions",
                column: "process_id",
                unique: true,
                filter: "state = 'Active'");

            migrationBuilder.CreateIndex(
                name: "automation_ux_process_versions_draft",
                table: "automation_process_versions",
                column: "process_id",
                unique: true,
                filter: "state = 'Draft'");

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_processes_entity_type_active_version",
                table: "automation_processes",
                columns: new[] { "entity_type", "active_version" });

            migrationBuilder.CreateIndex(
                name: "automation_ix_automation_processes_template_key",
                table: "automation_processes",
                column: "template_key",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "automation_process_approval_assignees");

            migrationBuilder.DropTable(
                name: "automation_process_step_runs");

            migrationBuilder.DropTable(
                name: "automation_process_versions");

            migrationBuilder.DropTable(
                name: "automation_process_approvals");

            migrationBuilder.DropTable(
                name: "automation_process_instances");

            migrationBuilder.DropTable(
                name: "automation_processes");
        }
    }
}
