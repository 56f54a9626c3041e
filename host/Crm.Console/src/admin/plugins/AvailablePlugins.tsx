import { useState } from 'react';
import type { AdminMarketplaceQuery } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { Capabilities, Dependencies } from './Capabilities';
import { PackageDialog } from './PackageDialog';
import type { Outcome } from './PluginsPage';
import { compareVersions } from './versions';

type Marketplace = AdminMarketplaceQuery['marketplace'];
type Available = Marketplace['available'][number];

/** What the feeds offer, newest first per plugin; installing shows what the plugin asks for before anything is done. */
export function AvailablePlugins({ available, installed, outcome }: { available: Marketplace['available']; installed: Marketplace['installed']; outcome: Outcome }) {
  const { t, formatNumber } = useI18n();
  const [installing, setInstalling] = useState<Available | null>(null);
  const installedIds = new Set(installed.map((p) => p.id));
  const sorted = [...available].sort((a, b) => a.id.localeCompare(b.id) || compareVersions(b.version, a.version));

  return (
    <div className="admin-panel table-wrap plugins-available">
      <h2>{t('plugins.available')}</h2>
      {sorted.length === 0 ? (
        <p className="muted">{t('plugins.noneAvailable')}</p>
      ) : (
        <table className="admin-table" aria-label={t('plugins.available')}>
          <thead>
            <tr>
              <th scope="col">{t('plugins.name')}</th>
              <th scope="col">{t('plugins.version')}</th>
              <th scope="col">{t('plugins.publisher')}</th>
              <th scope="col">{t('plugins.capabilities')}</th>
              <th scope="col">{t('plugins.dependencies')}</th>
              <th scope="col">{t('plugins.size')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sorted.map((p) => (
              <tr key={`${p.feed} ${p.id} ${p.version}`}>
                <td>
                  {p.name}
                  <br />
                  <code className="muted">{p.id}</code>
                  <p className="plugin-reason">{p.description}</p>
                </td>
                <td>{p.version}</td>
                <td>{p.publisher}</td>
                <td>
                  <Capabilities capabilities={p.capabilities} />
                </td>
                <td>
                  <Dependencies dependencies={p.dependencies} />
                </td>
                <td>{formatNumber(Math.ceil(p.size / 1024))} KiB</td>
                <td>
                  {installedIds.has(p.id) ? (
                    <span className="muted">{t('plugins.isInstalled')}</span>
                  ) : (
                    <button type="button" aria-label={t('plugins.installOf', { name: p.name, version: p.version })} onClick={() => setInstalling(p)}>
                      {t('plugins.install')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {installing && <PackageDialog plugin={installing} action="install" outcome={outcome} onClose={() => setInstalling(null)} />}
    </div>
  );
}
