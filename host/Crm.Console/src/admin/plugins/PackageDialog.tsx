import { useMutation } from 'urql';
import { Dialog } from '../../components/Dialog';
import type { AdminMarketplaceQuery } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { useReloadEntityTypes } from '../../metadata/entityTypes';
import { Capabilities, Dependencies } from './Capabilities';
import { InstallPlugin, UpgradePlugin } from './operations';
import type { Outcome } from './PluginsPage';

type Available = AdminMarketplaceQuery['marketplace']['available'][number];

/**
 * Installing or upgrading to a package version: what it asks to be granted and the modules it
 * needs are shown first, and granted by confirming; the API verifies the package before it changes anything.
 */
export function PackageDialog({ plugin, action, outcome, onClose }: { plugin: Available; action: 'install' | 'upgrade'; outcome: Outcome; onClose: () => void }) {
  const { t } = useI18n();
  const [, install] = useMutation(InstallPlugin);
  const [, upgrade] = useMutation(UpgradePlugin);
  const reloadTypes = useReloadEntityTypes();
  const variables = { id: plugin.id, version: plugin.version };
  const title = action === 'install' ? t('plugins.installOf', { name: plugin.name, version: plugin.version }) : t('plugins.upgradeOf', { name: plugin.name, version: plugin.version });

  async function confirm() {
    // Closed either way: a refusal shows on the page, above the lists.
    // An install loads the plugin at once: its record types join the menu and the lists.
    if (action === 'install') {
      if (await outcome.run(install(variables), 'installPlugin', t('plugins.installed.now', { name: plugin.name }))) reloadTypes();
    }
    else await outcome.run(upgrade(variables), 'upgradePlugin', t('plugins.upgraded', { name: plugin.name, version: plugin.version }));
    onClose();
  }

  return (
    <Dialog title={title} onClose={onClose}>
      <p>{plugin.description}</p>
      <p>{t('plugins.installAsks')}</p>
      <Capabilities capabilities={plugin.capabilities} />
      <p>{t('plugins.installNeeds')}</p>
      <Dependencies dependencies={plugin.dependencies} />
      <p className="muted">{t(action === 'install' ? 'plugins.installNote' : 'plugins.upgradeNote')}</p>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('admin.cancel')}
        </button>
        <button type="button" className="primary" onClick={() => void confirm()}>
          {t(action === 'install' ? 'plugins.installConfirm' : 'plugins.upgradeConfirm')}
        </button>
      </div>
    </Dialog>
  );
}
