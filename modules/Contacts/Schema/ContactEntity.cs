using Microsoft.EntityFrameworkCore;
using Crm.Modules.Contacts.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.Modules.Contacts.Domain;

/// <summary>The contact type: its fields, and what the generic handling leaves to it (a name, company links).</summary>
public sealed class ContactEntity() : CrmEntityDefinition<Contact, ContactsDbContext>(Name)
{
    public new const string Name = "contact";
    public const string CompanyIds = "companyIds";

    protected override void Configure(EntityBuilder<Contact> entity)
    {
        entity.Describe("A person the business deals with.");
        entity.Label("en", "Contact", "Contacts").Label("pl", "Kontakt", "Kontakty");
        entity.Title(c => c.Name, c => c.SecondName, c => c.LastName);
        // contacts(search: "acme") finds the people of Acme.
        entity.SearchIncludes("companies");
        entity.Field(c => c.Honorific, "honorificId").FromList("HONORIFIC").Formerly("honorific").Describe("Form of address, an item of the HONORIFIC list.").Label("en", "Salutation").Label("pl", "Zwrot grzecznościowy");
        entity.Field(c => c.Name).Describe("First name.").Label("en", "First name").Label("pl", "Imię").ShowInList();
        entity.Field(c => c.SecondName).Describe("Middle name.").Label("en", "Middle name").Label("pl", "Drugie imię");
        entity.Field(c => c.LastName).Describe("Last name.").Label("pl", "Nazwisko").ShowInList();
        entity.Field(c => c.Post).Describe("Job title.").Label("en", "Position").Label("pl", "Stanowisko").ShowInList();
        entity.Field(c => c.TypeId).FromList("CONTACT_TYPE").Formerly(objectField: "type").Describe("Contact type, an item of the CONTACT_TYPE list.").Label("en", "Contact type").Label("pl", "Typ kontaktu");
        entity.Field(c => c.SourceId).FromList("SOURCE").Formerly(objectField: "source").Describe("Where the contact came from, an item of the SOURCE list.").Label("pl", "Źródło");
        entity.Field(c => c.SourceDescription).NotSortable().Label("en", "Source information").Label("pl", "Informacje o źródle");
        entity.ContactPoints(c => c.Phones, ContactPointKind.Phone).Label("en", "Phone").Label("pl", "Telefon").ShowInList();
        entity.ContactPoints(c => c.Emails, ContactPointKind.Email).Label("en", "E-mail").Label("pl", "E-mail").ShowInList();
        entity.Field(c => c.Birthdate).Label("en", "Date of birth").Label("pl", "Data urodzenia");
        entity.Field(c => c.Comments).NotSortable().Label("en", "Comment").Label("pl", "Komentarz");
        entity.Field(c => c.AssignedById).ReferencesUser("assignedBy").Describe("The user responsible for the contact.").Label("en", "Responsible").Label("pl", "Odpowiedzialny").ShowInList();
        entity.Field(c => c.Opened).Describe("Visible to everyone allowed to see open records.").Label("en", "Available to everyone").Label("pl", "Dostępny dla wszystkich");
        entity.Field(c => c.LeadId).References("lead", "lead").Describe("The lead the contact was converted from.").Label("pl", "Lead");
        entity.AuditFields();
        entity.InputOnly(CompanyIds, InputOnlyFieldType.IdList, "The companies the contact belongs to, in order; replaces the current list.");
    }

    protected override IQueryable<Contact> WriteQuery(ContactsDbContext db) =>
        base.WriteQuery(db).Include(c => c.CompanyLinks);

    protected override async Task ApplyInputAsync(MutationContext<Contact, ContactsDbContext> mutation)
    {
        var contact = mutation.Record;
        // A name that was given but refused (too long) has an error of its own: it is not missing.
        bool Given(string field) => mutation.Input.TryGetValue(field, out var value) && !string.IsNullOrWhiteSpace(value as string);
        if (string.IsNullOrWhiteSpace(contact.Name) && string.IsNullOrWhiteSpace(contact.LastName) && string.IsNullOrWhiteSpace(contact.SecondName)
            && !Given("name") && !Given("secondName") && !Given("lastName"))
        {
            mutation.AddError(ErrorCodes.Required, "A contact needs a name, a second name or a last name.", "name");
        }

        await mutation.ReplaceLinksAsync(CompanyIds, "company", contact.CompanyLinks, id => new ContactCompanyLink { CompanyId = id });
    }
}
