import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Problem } from '../../components/Problem';
import { useI18n } from '../../i18n';
import { useReloadEntityTypes } from '../../metadata/entityTypes';
import { AdminPage, UserErrors, type UserError } from '../common';
import { refusalsOf, type Answer } from '../mutations';
import { AvailablePlugins } from './AvailablePlugins';
import { InstalledPlugins } from './InstalledPlugins';
import { DisablePlugin, EnablePlugin, MarketplaceQuery } from './operations';
import { PluginSources } from './PluginSources';

/** What a change on the page answers: the API's refusals, or the line to tell the admin it was done. */
export interface Outcome {
  /** Runs a mutation, shows its refusals or `done`, and reads the marketplace again when it went through. */
  run: (answer: Promise<unknown>, field: string, done: string) => Promise<boolean>;
}

/**
 * The marketplace for admins: every module and plugin with its state, enabled and disabled at
 * once; plugins installed from the feeds (what they ask for shown first), upgraded and
 * uninstalled at the next start; the feeds and the publishers trusted.
 */
export function PluginsPage() {
  const { t } = useI18n();
  const reloadTypes = useReloadEntityTypes();
  const [{ data, error }, refetch] = useQuery({ query: MarketplaceQuery, requestPolicy: 'network-only' });
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, enable] = useMutation(EnablePlugin);
  const [, disable] = useMutation(DisablePlugin);

  const outcome: Outcome = {
    run: async (answer, field, done) => {
      const found = refusalsOf((await answer) as Answer, field);
      setProblems(found);
      setStatus(found.length === 0 ? done : null);
      if (found.length === 0) refetch({ requestPolicy: 'network-only' });
      return found.length === 0;
    },
  };

  async function setEnabled(id: string, name: string, enabled: boolean) {
    const ok = enabled
      ? await outcome.run(enable({ id }), 'enablePlugin', t('plugins.enabled', { name }))
      : await outcome.run(disable({ id }), 'disablePlugin', t('plugins.disabled', { name }));
    // Its record types joined or left the schema: the menu and the lists follow.
    if (ok) reloadTypes();
  }

  const marketplace = data?.marketplace;
  return (
    <AdminPage title={t('admin.plugins')} status={status}>
      {error && <Problem message={error.message} onRetry={() => refetch({ requestPolicy: 'network-only' })} />}
      <UserErrors errors={problems} />
      {marketplace && (
        <>
          <InstalledPlugins installed={marketplace.installed} available={marketplace.available} outcome={outcome} onSetEnabled={setEnabled} />
          <AvailablePlugins available={marketplace.available} installed={marketplace.installed} outcome={outcome} />
          <PluginSources feeds={marketplace.feeds} publishers={marketplace.trustedPublishers} outcome={outcome} />
        </>
      )}
    </AdminPage>
  );
}
