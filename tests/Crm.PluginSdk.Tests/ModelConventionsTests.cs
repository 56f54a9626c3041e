using Crm.PluginSdk.Data;

namespace Crm.PluginSdk.Tests;

public sealed class ModelConventionsTests
{
    [Theory]
    [InlineData("Id", "id")]
    [InlineData("LastName", "last_name")]
    [InlineData("AssignedById", "assigned_by_id")]
    [InlineData("ContactCompanyLink", "contact_company_link")]
    [InlineData("lastName", "last_name")]
    [InlineData("userID", "user_id")]
    [InlineData("HTTPServer", "http_server")]
    [InlineData("IPAddress", "ip_address")]
    [InlineData("ABC", "abc")]
    [InlineData("A", "a")]
    [InlineData("Address1", "address1")]
    [InlineData("Sha256Hash", "sha256_hash")]
    [InlineData("X509Certificate", "x509_certificate")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("PK_contacts", "pk_contacts")]
    [InlineData("IX_contacts_LastName", "ix_contacts_last_name")]
    [InlineData("FK_contact_companies_contacts_ContactId", "fk_contact_companies_contacts_contact_id")]
    [InlineData("__migrations", "__migrations")]
    public void ToSnakeCase_turns_pascal_and_camel_case_into_snake_case(string name, string expected) =>
        Assert.Equal(expected, ModelConventions.ToSnakeCase(name));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void ToSnakeCase_leaves_an_empty_name_alone(string? name) =>
        Assert.Equal(name, ModelConventions.ToSnakeCase(name!));

    [Fact]
    public void ToSnakeCase_is_idempotent()
    {
        foreach (var name in new[] { "AssignedById", "HTTPServer", "IX_contacts_LastName", "Sha256Hash" })
        {
            var once = ModelConventions.ToSnakeCase(name);
            Assert.Equal(once, ModelConventions.ToSnakeCase(once));
        }
    }
}
