import { useI18n, languages, type Language } from '../i18n';
import { useContext } from 'react';
import { chooseLanguage, LanguageSaver } from '../i18n/choice';

export function LanguageSwitch() {
  const { t, language } = useI18n();
  const save = useContext(LanguageSaver);
  return (
    <label className="language-switch">
      <span>{t('shell.language')}</span>
      <select value={language} onChange={(e) => (save ? void save(e.target.value as Language) : chooseLanguage(e.target.value as Language))}>
        {languages.map((l) => (
          <option key={l} value={l}>
            {l === 'pl' ? 'Polski' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}
