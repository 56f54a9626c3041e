namespace Crm.PluginSdk.Activities;

/// <summary>
/// A kind of activity a module or plugin adds beside the built-in CALL, EMAIL, MEETING and TODO
/// (Bitrix24's activity providers): a plugin's own "quote review", a telephony module's
/// "recorded call". An activity names its type by <see cref="TypeId"/> and keeps the
/// <see cref="ProviderId"/> that declared it.
/// </summary>
/// <param name="ProviderId">Who declares the type: the module id ("acme_quotes"); "crm" is the platform's.</param>
/// <param name="TypeId">Upper-case letters, digits and '_', 1 to 50 characters, unique among all providers ("QUOTE_REVIEW").</param>
/// <param name="Name">What users see ("Quote review").</param>
public sealed record ActivityTypeDeclaration(string ProviderId, string TypeId, string Name);

/// <summary>
/// Declares activity types (see <see cref="ActivityTypeDeclaration"/>); a module's class
/// implementing it is found by convention, as <see cref="Lists.ISelectionListDeclarations"/> is.
/// The Activities module serves them in <c>activityTypes</c> and takes them as an activity's <c>typeId</c>.
/// </summary>
public interface IActivityTypeDeclarations
{
    IEnumerable<ActivityTypeDeclaration> ActivityTypes { get; }
}
