import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { signOut } from '../api/session';
import { useI18n } from '../i18n';
import { useEntityTypes } from '../metadata/entityTypes';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useMe } from './me';
import { buildMenu, type MenuItem } from './menu';

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const me = useMe();
  const types = useEntityTypes();
  const [location, navigate] = useLocation();
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const menu = buildMenu(me, types);
  const label = (item: MenuItem) => ('key' in item.label ? t(item.label.key) : item.label.text);
  const current = (href: string) => (href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`));

  const links = (items: MenuItem[]) => (
    <ul>
      {items.map((item) => (
        <li key={item.href}>
          <Link href={item.href} aria-current={current(item.href) ? 'page' : undefined} onClick={() => setOpen(false)}>
            {label(item)}
          </Link>
        </li>
      ))}
    </ul>
  );

  return (
    <div className={open ? 'shell menu-open' : 'shell'}>
      <a className="skip" href="#content">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={open} aria-controls="main-menu" onClick={() => setOpen(!open)}>
          {open ? t('shell.closeMenu') : t('shell.openMenu')}
        </button>
        <span className="brand">{t('app.name')}</span>
        <form
          role="search"
          className="global-search"
          onSubmit={(e) => {
            e.preventDefault();
            if (query.trim()) navigate(`/search?q=${encodeURIComponent(query.trim())}`);
          }}
        >
          <input type="search" aria-label={t('search.everything')} placeholder={t('search.everything')} value={query} maxLength={1000} onChange={(e) => setQuery(e.target.value)} />
        </form>
        <span className="who" title={me.email}>
          {t('shell.signedInAs', { name: [me.name, me.lastName].filter(Boolean).join(' ') })}
        </span>
        <LanguageSwitch />
        <button type="button" onClick={() => void signOut()}>
          {t('shell.signOut')}
        </button>
      </header>
      <nav id="main-menu" className="sidebar" aria-label={t('shell.menu')}>
        {links(menu.main)}
        {menu.admin.length > 0 && (
          <section aria-label={t('shell.admin')} className="admin-menu">
            <h2>{t('shell.admin')}</h2>
            {links(menu.admin)}
          </section>
        )}
      </nav>
      <main id="content" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
