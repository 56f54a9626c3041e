import { useI18n } from '../../i18n';
import type { PluginCapability } from '../../gql/graphql';

/** What a plugin asks for, or was granted, in words an admin weighs. */
export function Capabilities({ capabilities }: { capabilities: readonly PluginCapability[] }) {
  const { t } = useI18n();
  if (capabilities.length === 0) return <span className="muted">{t('plugins.noCapabilities')}</span>;
  return (
    <ul className="plugin-capabilities">
      {capabilities.map((c) => (
        <li key={c}>{t(`plugins.capability.${c}`)}</li>
      ))}
    </ul>
  );
}

/** The modules a package needs, with the versions that will do. */
export function Dependencies({ dependencies }: { dependencies: readonly { id: string; range: string }[] }) {
  const { t } = useI18n();
  if (dependencies.length === 0) return <span className="muted">{t('plugins.noDependencies')}</span>;
  return (
    <ul className="plugin-capabilities">
      {dependencies.map((d) => (
        <li key={d.id}>
          <code>{d.id}</code> {d.range}
        </li>
      ))}
    </ul>
  );
}
