import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { UserPicker } from '../components/UserPicker';
import { useI18n } from '../i18n';
import { AdminPage, UserErrors, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  user: { name: string; lastName: string | null; email: string | null } | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

// Each key's user comes with it (one batch), so a key of any user is named, however many users there are.
const keysQuery = `query AdminApiKeys { apiKeys { id name prefix userId user { name lastName email } createdAt expiresAt revokedAt } }`;
const createKey = `mutation AdminCreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } errors { code message path } } }`;
const revokeKey = `mutation AdminRevokeApiKey($id: ID!) { revokeApiKey(id: $id) { apiKey { id } errors { code message path } } }`;
const deleteKey = `mutation AdminDeleteApiKey($id: ID!) { deleteApiKey(id: $id) { deletedId errors { code message path } } }`;

/** API keys: made for a user (shown once), listed by their prefix, revoked, deleted for good (making room under the server's bound). */
export function ApiKeysPage() {
  const { t, formatDateTime } = useI18n();
  const id = useId();
  const [{ data }, refetch] = useQuery<{ apiKeys: ApiKey[] }>({ query: keysQuery, requestPolicy: 'cache-and-network' });
  const [name, setName] = useState('');
  const [userId, setUserId] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [, create] = useMutation(createKey);
  const [, revoke] = useMutation(revokeKey);
  const [, remove] = useMutation(deleteKey);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!userId) {
      setProblems([{ code: 'BAD_USER_INPUT', message: t('admin.keys.userRequired'), path: ['input', 'userId'] }]);
      return;
    }
    const answer = (await create({ input: { name: name.trim(), userId } })) as Answer;
    const found = refusalsOf(answer, 'createApiKey');
    setProblems(found);
    if (found.length === 0) {
      setSecret((answer.data?.createApiKey as { key?: string } | undefined)?.key ?? null);
      setName('');
      refetch({ requestPolicy: 'network-only' });
    }
  }

  /** After the admin confirms: a live key stops working at once, as if revoked. */
  async function removeKey(key: ApiKey) {
    if (!window.confirm(t('admin.keys.deleteConfirm', { name: key.name }))) return;
    const found = refusalsOf((await remove({ id: key.id })) as Answer, 'deleteApiKey');
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.keys.deletedNow', { name: key.name }));
      refetch({ requestPolicy: 'network-only' });
    }
  }

  return (
    <AdminPage title={t('admin.apiKeys')} status={status}>
      <div className="admin-columns">
        <div className="admin-panel table-wrap">
          <table className="admin-table" aria-label={t('admin.apiKeys')}>
            <thead>
              <tr>
                <th>{t('admin.keys.name')}</th>
                <th>{t('admin.keys.prefix')}</th>
                <th>{t('admin.keys.user')}</th>
                <th>{t('admin.keys.created')}</th>
                <th />
                <th />
              </tr>
            </thead>
            <tbody>
              {(data?.apiKeys ?? []).map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.user ? [k.user.name, k.user.lastName].filter(Boolean).join(' ') : `#${k.userId}`}</td>
                  <td>{formatDateTime(k.createdAt)}</td>
                  <td>
                    {k.revokedAt ? (
                      <span className="muted">{t('admin.keys.revoked')}</span>
                    ) : (
                      <button
                        type="button"
                        aria-label={t('admin.keys.revokeOf', { name: k.name })}
                        onClick={async () => {
                          const found = refusalsOf((await revoke({ id: k.id })) as Answer, 'revokeApiKey');
                          setProblems(found);
                          if (found.length === 0) {
                            setStatus(t('admin.keys.revokedNow'));
                            refetch({ requestPolicy: 'network-only' });
                          }
                        }}
                      >
                        {t('admin.keys.revoke')}
                      </button>
                    )}
                  </td>
                  <td>
                    <button type="button" className="danger" aria-label={t('admin.keys.deleteOf', { name: k.name })} onClick={() => removeKey(k)}>
                      {t('admin.keys.delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <form className="admin-panel form-grid" onSubmit={submit} aria-label={t('admin.keys.new')}>
          <h2>{t('admin.keys.new')}</h2>
          <UserErrors errors={problems} />
          <div className="form-field">
            <label htmlFor={`${id}-name`}>{t('admin.keys.name')}</label>
            <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
          </div>
          <div className="form-field">
            <label htmlFor={`${id}-user`}>{t('admin.keys.user')}</label>
            <UserPicker id={`${id}-user`} label={t('admin.keys.user')} value={userId} onChange={setUserId} known={[]} invalid={problems.some((p) => p.path.includes('userId'))} />
          </div>
          <button type="submit" className="primary">
            {t('admin.keys.create')}
          </button>
          {secret && (
            <div role="alert" className="admin-secret">
              <p>{t('admin.keys.once')}</p>
              <code>{secret}</code>
            </div>
          )}
        </form>
      </div>
    </AdminPage>
  );
}
