namespace Crm.Host.Marketplace;

/// <summary>The codes of the marketplace's <c>UserError</c>s, beside the platform's own.</summary>
public static class MarketplaceErrors
{
    /// <summary>The package fails a check: bounds, paths, manifest, hash or signature.</summary>
    public const string PackageRefused = "PACKAGE_REFUSED";

    /// <summary>The package's publisher is not among the trusted publishers.</summary>
    public const string UnknownPublisher = "UNKNOWN_PUBLISHER";

    /// <summary>The package was built for SDK versions this host's SDK is not in.</summary>
    public const string SdkMismatch = "SDK_MISMATCH";

    /// <summary>A dependency is not in service, or not in the range the package asks for.</summary>
    public const string MissingDependency = "MISSING_DEPENDENCY";

    /// <summary>Its id or folder is held by another module, or it is installed already.</summary>
    public const string AlreadyInstalled = "ALREADY_INSTALLED";

    /// <summary>The host's loader refuses or fails the unpacked plugin (a record type or GraphQL name another module holds); the install is undone.</summary>
    public const string LoadRefused = "LOAD_REFUSED";

    /// <summary>No feed offers that id and version.</summary>
    public const string NotInFeed = "NOT_IN_FEED";
}
