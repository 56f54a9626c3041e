import { useId, useState, type FormEvent } from 'react';
import { signIn } from '../api/session';
import { useI18n } from '../i18n';
import { LanguageSwitch } from '../components/LanguageSwitch';

export function LoginPage() {
  const { t, formatDateTime } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const errorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const refused = await signIn(email, password);
      if (refused) setError(refused.retryAt ? t('login.retryAt', { time: formatDateTime(refused.retryAt) }) : refused.message);
    } catch (e) {
      setError(t('app.error', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-describedby={error ? errorId : undefined}>
        <h1>{t('app.name')}</h1>
        <h2>{t('login.title')}</h2>
        <label>
          {t('login.email')}
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label>
          {t('login.password')}
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p id={errorId} className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
        <LanguageSwitch />
      </form>
    </main>
  );
}
