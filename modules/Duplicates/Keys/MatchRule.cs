namespace Crm.Modules.Duplicates.Keys;

/// <summary>How two records are taken for duplicates; each rule applies to the types whose fields allow it.</summary>
public enum MatchRule
{
    /// <summary>The same e-mail, without case and surrounding spaces (any e-mail contact-point field).</summary>
    Email,

    /// <summary>The same phone by its last nine digits, however written (any phone contact-point field).</summary>
    Phone,

    /// <summary>The same title (letters without case and accents, spaces collapsed) under the same company reference.</summary>
    NameInCompany,
}

internal static class MatchRules
{
    public static IReadOnlyList<MatchRule> All { get; } = [MatchRule.Email, MatchRule.Phone, MatchRule.NameInCompany];

    /// <summary>The short code stored in the key table.</summary>
    public static string Code(this MatchRule rule) => rule switch
    {
        MatchRule.Email => "email",
        MatchRule.Phone => "phone",
        _ => "name",
    };

    /// <summary>The GraphQL name (EMAIL, PHONE, NAME_IN_COMPANY).</summary>
    public static string GraphName(this MatchRule rule) => rule switch
    {
        MatchRule.Email => "EMAIL",
        MatchRule.Phone => "PHONE",
        _ => "NAME_IN_COMPANY",
    };
}
