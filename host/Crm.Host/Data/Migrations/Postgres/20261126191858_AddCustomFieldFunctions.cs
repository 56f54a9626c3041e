using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Crm.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddCustomFieldFunctions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand: the custom field key functions (see CustomFieldSql), shared by every module.
            migrationBuilder.Sql(Crm.PluginSdk.CustomFields.CustomFieldSql.PostgresDefinition);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Crm.PluginSdk.CustomFields.CustomFieldSql.PostgresDrop);
        }
    }
}
