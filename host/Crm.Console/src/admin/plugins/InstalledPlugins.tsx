import { useId, useState } from 'react';
import { useMutation } from 'urql';
import { Dialog } from '../../components/Dialog';
import type { AdminMarketplaceQuery } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { Capabilities } from './Capabilities';
import { UninstallPlugin } from './operations';
import { PackageDialog } from './PackageDialog';
import type { Outcome } from './PluginsPage';
import { compareVersions, newestById } from './versions';

type Marketplace = AdminMarketplaceQuery['marketplace'];
type Installed = Marketplace['installed'][number];
type Available = Marketplace['available'][number];

/** Every module of the host and every plugin of the deployment, with its state and what can be done with it now. */
export function InstalledPlugins({ installed, available, outcome, onSetEnabled }: {
  installed: Marketplace['installed'];
  available: Marketplace['available'];
  outcome: Outcome;
  onSetEnabled: (id: string, name: string, enabled: boolean) => Promise<void>;
}) {
  const { t } = useI18n();
  const [uninstalling, setUninstalling] = useState<Installed | null>(null);
  const [upgrading, setUpgrading] = useState<Available | null>(null);
  const newest = newestById(available);

  return (
    <div className="admin-panel table-wrap plugins-installed">
      <h2>{t('plugins.installed')}</h2>
      <table className="admin-table" aria-label={t('plugins.installed')}>
        <thead>
          <tr>
            <th scope="col">{t('plugins.name')}</th>
            <th scope="col">{t('plugins.version')}</th>
            <th scope="col">{t('plugins.publisher')}</th>
            <th scope="col">{t('plugins.state')}</th>
            <th scope="col">{t('plugins.capabilities')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {installed.map((p) => {
            const name = p.name ?? p.id;
            const offered = newest.get(p.id);
            const upgradeTo = !p.builtIn && p.version && p.pendingAction === 'NONE' && offered && compareVersions(offered.version, p.version) > 0 ? offered : null;
            return (
              <tr key={p.id} data-plugin={p.id}>
                <td>
                  <span className="plugin-name">
                    {p.iconUrl ? (
                      <img className="plugin-icon" src={p.iconUrl} alt={t('plugins.icon', { name })} width={24} height={24} />
                    ) : (
                      <span className="plugin-icon" aria-hidden="true">
                        {name.charAt(0).toUpperCase()}
                      </span>
                    )}
                    <span>
                      {p.name && (
                        <>
                          {p.name}
                          <br />
                        </>
                      )}
                      <code className={p.name ? 'muted' : undefined}>{p.id}</code>
                    </span>
                  </span>
                </td>
                <td>{p.version ?? '—'}</td>
                <td>{p.builtIn ? <span className="badge">{t('plugins.builtIn')}</span> : p.publisher}</td>
                <td>
                  <span className={`badge plugin-state state-${p.state}`}>{t(`plugins.state.${p.state}`)}</span>
                  <PendingAction plugin={p} />
                  {p.reason && p.pendingAction === 'NONE' && <p className="plugin-reason">{p.reason}</p>}
                </td>
                <td>
                  <Capabilities capabilities={p.capabilities} />
                </td>
                <td className="plugin-actions">
                  {p.state === 'ENABLED' && (
                    <button type="button" aria-label={t('plugins.disableOf', { name })} onClick={() => void onSetEnabled(p.id, name, false)}>
                      {t('plugins.disable')}
                    </button>
                  )}
                  {p.state === 'DISABLED' && (
                    <button type="button" aria-label={t('plugins.enableOf', { name })} onClick={() => void onSetEnabled(p.id, name, true)}>
                      {t('plugins.enable')}
                    </button>
                  )}
                  {upgradeTo && (
                    <button type="button" onClick={() => setUpgrading(upgradeTo)}>
                      {t('plugins.upgrade', { version: upgradeTo.version })}
                    </button>
                  )}
                  {!p.builtIn && p.pendingAction !== 'UNINSTALL' && (
                    <button type="button" className="danger" aria-label={t('plugins.uninstallOf', { name })} onClick={() => setUninstalling(p)}>
                      {t('plugins.uninstall')}
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {uninstalling && <UninstallDialog plugin={uninstalling} outcome={outcome} onClose={() => setUninstalling(null)} />}
      {upgrading && <PackageDialog plugin={upgrading} action="upgrade" outcome={outcome} onClose={() => setUpgrading(null)} />}
    </div>
  );
}

function PendingAction({ plugin }: { plugin: Installed }) {
  const { t } = useI18n();
  if (plugin.pendingAction === 'UPGRADE') return <p className="plugin-reason">{t('plugins.pending.UPGRADE', { version: plugin.pendingVersion ?? '' })}</p>;
  if (plugin.pendingAction === 'UNINSTALL') return <p className="plugin-reason">{t(plugin.purgeData ? 'plugins.pending.UNINSTALL_PURGE' : 'plugins.pending.UNINSTALL')}</p>;
  return null;
}

/** Uninstalling says what stays and, when the data is to go too, that it goes for good. */
function UninstallDialog({ plugin, outcome, onClose }: { plugin: Installed; outcome: Outcome; onClose: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const [purgeData, setPurgeData] = useState(false);
  const [, uninstall] = useMutation(UninstallPlugin);
  const name = plugin.name ?? plugin.id;

  async function confirm() {
    // Closed either way: a refusal shows on the page, above the lists.
    await outcome.run(uninstall({ id: plugin.id, purgeData }), 'uninstallPlugin', t('plugins.uninstalled', { name }));
    onClose();
  }

  return (
    <Dialog title={t('plugins.uninstallOf', { name })} onClose={onClose}>
      <p>{t('plugins.uninstallWarning')}</p>
      <div className="form-field checkbox">
        <input id={`${id}-purge`} type="checkbox" checked={purgeData} onChange={(e) => setPurgeData(e.target.checked)} />
        <label htmlFor={`${id}-purge`}>{t('plugins.purge')}</label>
      </div>
      {purgeData && (
        <p className="problem" role="alert">
          {t('plugins.purgeWarning')}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('admin.cancel')}
        </button>
        <button type="button" className="danger" onClick={() => void confirm()}>
          {t('plugins.uninstallConfirm')}
        </button>
      </div>
    </Dialog>
  );
}
