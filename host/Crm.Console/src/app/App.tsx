import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Provider, useMutation, useQuery } from 'urql';

import { createApiClient } from '../api/client';
import { isSignedIn, onSessionChange } from '../api/session';
import { graphql } from '../gql';
import { I18nProvider, languageOf, useI18n, type Language } from '../i18n';
import { chooseLanguage, LanguageSaver, useChosenLanguage } from '../i18n/choice';
import { EntityTypesProvider, entityTypesQuery } from '../metadata/entityTypes';
import type { EntityTypeInfo } from '../metadata/types';
import { LoginPage } from '../pages/Login';
import { MeProvider, type Me } from './me';
import { Shell } from './Shell';
import { AppRoutes } from './routes';
import { Problem } from '../components/Problem';

const MeQuery = graphql(`
  query ConsoleMe {
    me {
      id
      email
      name
      lastName
      language
      timeZone
      canConfigure
      isAdministrator
      permissions {
        entityType
        partition
        action
        level
      }
    }
  }
`);

const UpdateMyLanguage = graphql(`
  mutation ConsoleUpdateMyLanguage($language: String!) {
    updateMyLanguage(language: $language) {
      user { id language }
      errors { code message path }
    }
  }
`);

function useSignedIn(): boolean {
  return useSyncExternalStore(onSessionChange, isSignedIn);
}

export function App() {
  const signedIn = useSignedIn();
  const chosen = useChosenLanguage();
  // A new client per session: nothing cached for one user is shown to the next.
  const client = useMemo(() => (signedIn ? createApiClient() : null), [signedIn]);
  const [userLanguage, setUserLanguage] = useState<string | null>(null);
  // Signed in, the user's own language (me.language, saved by the switch) wins: it follows them to
  // every browser. Before that, the choice made in this browser, or the browser's language.
  const language = signedIn && userLanguage ? languageOf(userLanguage) : (chosen ?? languageOf(navigator.language));

  useEffect(() => {
    if (!signedIn) setUserLanguage(null);
  }, [signedIn]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  return (
    <I18nProvider language={language}>
      {client ? (
        <Provider value={client}>
          <SignedIn onLanguage={setUserLanguage} />
        </Provider>
      ) : (
        <LoginPage />
      )}
    </I18nProvider>
  );
}

function SignedIn({ onLanguage }: { onLanguage: (language: string) => void }) {
  const { t, language } = useI18n();
  const [meResult, reexecuteMe] = useQuery({ query: MeQuery, requestPolicy: 'network-only' });
  const [typesResult, reexecuteTypes] = useQuery<{ entityTypes: EntityTypeInfo[] }>({ query: entityTypesQuery, variables: { language } });
  const reloadTypes = useCallback(() => reexecuteTypes({ requestPolicy: 'network-only' }), [reexecuteTypes]);
  const me = meResult.data?.me as Me | null | undefined;
  const [, updateMyLanguage] = useMutation(UpdateMyLanguage);
  const [languageRefusal, setLanguageRefusal] = useState<string | null>(null);

  useEffect(() => {
    if (me) onLanguage(me.language);
  }, [me, onLanguage]);

  /** The switch saves the language to the user; shown at once, and back to the saved one when refused. */
  const saveLanguage = useCallback(
    async (chosen: Language) => {
      const before = language;
      setLanguageRefusal(null);
      onLanguage(chosen);
      chooseLanguage(chosen);
      const result = await updateMyLanguage({ language: chosen });
      const refusal = result.error?.message ?? result.data?.updateMyLanguage.errors[0]?.message;
      if (refusal) {
        onLanguage(before);
        chooseLanguage(before);
        setLanguageRefusal(refusal);
      }
    },
    [language, onLanguage, updateMyLanguage],
  );

  // Switching the language asks for the labels again: the shell stays up with the old ones meanwhile.
  const lastTypes = useRef<EntityTypeInfo[] | null>(null);
  if (typesResult.data) lastTypes.current = typesResult.data.entityTypes;
  else if (typesResult.error) lastTypes.current ??= [];

  if (meResult.error) return <Problem message={meResult.error.message} onRetry={() => reexecuteMe()} />;
  if (!me || !lastTypes.current) return <p className="loading">{t('app.loading')}</p>;
  const types = lastTypes.current;
  return (
    <MeProvider me={me}>
      <LanguageSaver.Provider value={saveLanguage}>
        <EntityTypesProvider types={types} reload={reloadTypes}>
          <Shell>
            {typesResult.error && <Problem message={typesResult.error.message} />}
            {languageRefusal && <Problem message={languageRefusal} />}
            <AppRoutes />
          </Shell>
        </EntityTypesProvider>
      </LanguageSaver.Provider>
    </MeProvider>
  );
}

