import { useI18n, languages, type Language } from '../i18n';
import { chooseLanguage } from '../i18n/choice';

export function LanguageSwitch() {
  const { t, language } = useI18n();
  return (
    <label className="language-switch">
      <span>{t('shell.language')}</span>
      <select value={language} onChange={(e) => chooseLanguage(e.target.value as Language)}>
        {languages.map((l) => (
          <option key={l} value={l}>
            {l === 'pl' ? 'Polski' : 'English'}
          </option>
        ))}
      </select>
    </label>
  );
}
