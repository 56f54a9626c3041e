import { graphql } from '../../gql';

/** The whole marketplace in one request: the feeds are read once, for both `available` and each feed's `problem`. */
export const MarketplaceQuery = graphql(`
  query AdminMarketplace {
    marketplace {
      feeds { id url addedAt problem }
      trustedPublishers { publisher publicKey keyId addedAt }
      available {
        id version publisher name description sdkVersionRange capabilities feed size
        dependencies { id range }
      }
      installed {
        id version publisher name builtIn state reason capabilities pendingAction pendingVersion purgeData feed installedAt iconUrl
      }
    }
  }
`);

export const EnablePlugin = graphql(`
  mutation AdminEnablePlugin($id: String!) {
    enablePlugin(id: $id) { module { id state } errors { code message path } }
  }
`);

export const DisablePlugin = graphql(`
  mutation AdminDisablePlugin($id: String!) {
    disablePlugin(id: $id) { module { id state } errors { code message path } }
  }
`);

export const InstallPlugin = graphql(`
  mutation AdminInstallPlugin($id: String!, $version: String) {
    installPlugin(id: $id, version: $version) { plugin { id state } errors { code message path } }
  }
`);

export const UpgradePlugin = graphql(`
  mutation AdminUpgradePlugin($id: String!, $version: String) {
    upgradePlugin(id: $id, version: $version) { plugin { id state pendingVersion } errors { code message path } }
  }
`);

export const UninstallPlugin = graphql(`
  mutation AdminUninstallPlugin($id: String!, $purgeData: Boolean) {
    uninstallPlugin(id: $id, purgeData: $purgeData) { plugin { id state pendingAction purgeData } errors { code message path } }
  }
`);

export const AddFeed = graphql(`
  mutation AdminAddPluginFeed($url: String!) {
    addPluginFeed(url: $url) { feed { id } errors { code message path } }
  }
`);

export const RemoveFeed = graphql(`
  mutation AdminRemovePluginFeed($id: ID!) {
    removePluginFeed(id: $id) { removed errors { code message path } }
  }
`);

export const TrustPublisher = graphql(`
  mutation AdminTrustPublisher($publisher: String!, $publicKey: String!) {
    trustPublisher(publisher: $publisher, publicKey: $publicKey) { trustedPublisher { publisher } errors { code message path } }
  }
`);

export const UntrustPublisher = graphql(`
  mutation AdminUntrustPublisher($publisher: String!) {
    untrustPublisher(publisher: $publisher) { removed errors { code message path } }
  }
`);
