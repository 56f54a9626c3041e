using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Modules.Deals.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DealsKeepTheirPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Before the key, a delete racing a deal's write could leave deals on a deleted pipeline:
            // their pipeline comes back under a name that says so, for an admin to move them.
            migrationBuilder.Sql("""
                INSERT INTO deals_pipelines (id, name, sort)
                SELECT DISTINCT d.pipeline_id, 'Restored pipeline ' || d.pipeline_id, 1000
                FROM deals_deals d
                WHERE NOT EXISTS (SELECT 1 FROM deals_pipelines p WHERE p.id = d.pipeline_id)
                """);

            // The key as triggers: adding a real one makes EF rebuild deals_deals with foreign keys
            // off, outside the migration's transaction, which an interrupted upgrade would leave half
            // done. They refuse as a key does (SQLITE_CONSTRAINT, the key's message; see the SDK's
            // ForeignKeyViolations); a later rebuild of the table creates the model's real key.
            migrationBuilder.Sql("""
                CREATE TRIGGER deals_deals_pipeline_insert BEFORE INSERT ON deals_deals
                WHEN NOT EXISTS (SELECT 1 FROM deals_pipelines p WHERE p.id = NEW.pipeline_id)
                BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER deals_deals_pipeline_update BEFORE UPDATE OF pipeline_id ON deals_deals
                WHEN NOT EXISTS (SELECT 1 FROM deals_pipelines p WHERE p.id = NEW.pipeline_id)
                BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER deals_pipelines_deals_delete BEFORE DELETE ON deals_pipelines
                WHEN EXISTS (SELECT 1 FROM deals_deals d WHERE d.pipeline_id = OLD.id)
                BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER deals_pipelines_deals_rekey BEFORE UPDATE OF id ON deals_pipelines
                WHEN OLD.id <> NEW.id AND EXISTS (SELECT 1 FROM deals_deals d WHERE d.pipeline_id = OLD.id)
                BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "deals_deals_pipeline_insert", "deals_deals_pipeline_update", "deals_pipelines_deals_delete", "deals_pipelines_deals_rekey" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {trigger};");
            }
        }
    }
}
