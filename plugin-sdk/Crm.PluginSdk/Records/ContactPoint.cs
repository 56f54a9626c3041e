namespace Crm.PluginSdk.Records;

/// <summary>
/// One phone number, e-mail address, web site or messenger handle of a record, with its kind
/// (WORK, HOME, MOBILE, ...), as Bitrix24 keeps them in its multi-fields.
/// </summary>
public sealed record ContactPoint(string Value, string ValueType);

/// <summary>A postal address, the parts Bitrix24 keeps for requisites and companies.</summary>
public sealed record PostalAddress(
    string? Address1 = null,
    string? Address2 = null,
    string? City = null,
    string? PostalCode = null,
    string? Region = null,
    string? Province = null,
    string? Country = null,
    string? CountryCode = null);
