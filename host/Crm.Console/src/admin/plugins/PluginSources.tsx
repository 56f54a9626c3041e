import { useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import type { AdminMarketplaceQuery } from '../../gql/graphql';
import { useI18n } from '../../i18n';
import { AddFeed, RemoveFeed, TrustPublisher, UntrustPublisher } from './operations';
import type { Outcome } from './PluginsPage';

type Marketplace = AdminMarketplaceQuery['marketplace'];

/** Where packages come from (feeds, each saying whether it can be read) and whose signatures are trusted. */
export function PluginSources({ feeds, publishers, outcome }: { feeds: Marketplace['feeds']; publishers: Marketplace['trustedPublishers']; outcome: Outcome }) {
  return (
    <div className="admin-columns plugins-sources">
      <Feeds feeds={feeds} outcome={outcome} />
      <Publishers publishers={publishers} outcome={outcome} />
    </div>
  );
}

function Feeds({ feeds, outcome }: { feeds: Marketplace['feeds']; outcome: Outcome }) {
  const { t, formatDateTime } = useI18n();
  const id = useId();
  const [url, setUrl] = useState('');
  const [, add] = useMutation(AddFeed);
  const [, remove] = useMutation(RemoveFeed);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (await outcome.run(add({ url: url.trim() }), 'addPluginFeed', t('plugins.feed.added'))) setUrl('');
  }

  return (
    <section className="admin-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('plugins.feeds')}</h2>
      <ul className="plugin-sources" aria-label={t('plugins.feeds')}>
        {feeds.map((f) => (
          <li key={f.id}>
            <code>{f.url}</code> <span className="muted">{formatDateTime(f.addedAt)}</span>
            {f.problem ? <p className="problem">{t('plugins.feed.problem', { problem: f.problem })}</p> : <span className="badge live">{t('plugins.feed.ok')}</span>}
            <button type="button" aria-label={t('plugins.feed.removeOf', { url: f.url })} onClick={() => void outcome.run(remove({ id: f.id }), 'removePluginFeed', t('plugins.feed.removed'))}>
              {t('plugins.remove')}
            </button>
          </li>
        ))}
      </ul>
      <form className="form-grid" onSubmit={submit} aria-label={t('plugins.feed.add')}>
        <div className="form-field">
          <label htmlFor={`${id}-url`}>{t('plugins.feed.url')}</label>
          <input id={`${id}-url`} value={url} onChange={(e) => setUrl(e.target.value)} maxLength={1000} required />
        </div>
        <button type="submit">{t('plugins.feed.add')}</button>
      </form>
    </section>
  );
}

function Publishers({ publishers, outcome }: { publishers: Marketplace['trustedPublishers']; outcome: Outcome }) {
  const { t, formatDateTime } = useI18n();
  const id = useId();
  const [publisher, setPublisher] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [, trust] = useMutation(TrustPublisher);
  const [, untrust] = useMutation(UntrustPublisher);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = publisher.trim();
    if (await outcome.run(trust({ publisher: name, publicKey: publicKey.trim() }), 'trustPublisher', t('plugins.publisher.added', { publisher: name }))) {
      setPublisher('');
      setPublicKey('');
    }
  }

  return (
    <section className="admin-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t('plugins.publishers')}</h2>
      <ul className="plugin-sources" aria-label={t('plugins.publishers')}>
        {publishers.map((p) => (
          <li key={p.publisher}>
            <strong>{p.publisher}</strong> <span className="muted">{t('plugins.publisher.keyId')}</span> <code>{p.keyId}</code> <span className="muted">{formatDateTime(p.addedAt)}</span>
            <button type="button" aria-label={t('plugins.publisher.removeOf', { publisher: p.publisher })} onClick={() => void outcome.run(untrust({ publisher: p.publisher }), 'untrustPublisher', t('plugins.publisher.removed'))}>
              {t('plugins.remove')}
            </button>
          </li>
        ))}
      </ul>
      <form className="form-grid" onSubmit={submit} aria-label={t('plugins.publisher.add')}>
        <div className="form-field">
          <label htmlFor={`${id}-publisher`}>{t('plugins.publisher.id')}</label>
          <input id={`${id}-publisher`} value={publisher} onChange={(e) => setPublisher(e.target.value)} maxLength={30} pattern="[a-z0-9]+" required />
        </div>
        <div className="form-field">
          <label htmlFor={`${id}-key`}>{t('plugins.publisher.key')}</label>
          <textarea id={`${id}-key`} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} maxLength={400} rows={3} required />
        </div>
        <button type="submit">{t('plugins.publisher.add')}</button>
      </form>
    </section>
  );
}
