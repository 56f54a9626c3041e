import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Provider, useQuery } from 'urql';

import { createApiClient } from '../api/client';
import { isSignedIn, onSessionChange } from '../api/session';
import { graphql } from '../gql';
import { I18nProvider, languageOf, useI18n } from '../i18n';
import { useChosenLanguage } from '../i18n/choice';
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

function useSignedIn(): boolean {
  return useSyncExternalStore(onSessionChange, isSignedIn);
}

export function App() {
  const signedIn = useSignedIn();
  const chosen = useChosenLanguage();
  // A new client per session: nothing cached for one user is shown to the next.
  const client = useMemo(() => (signedIn ? createApiClient() : null), [signedIn]);
  const [userLanguage, setUserLanguage] = useState<string | null>(null);
  const language = chosen ?? languageOf(userLanguage ?? navigator.language);

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

  useEffect(() => {
    if (me) onLanguage(me.language);
  }, [me, onLanguage]);

  // Switching the language asks for the labels again: the shell stays up with the old ones meanwhile.
  const lastTypes = useRef<EntityTypeInfo[] | null>(null);
  if (typesResult.data) lastTypes.current = typesResult.data.entityTypes;
  else if (typesResult.error) lastTypes.current ??= [];

  if (meResult.error) return <Problem message={meResult.error.message} onRetry={() => reexecuteMe()} />;
  if (!me || !lastTypes.current) return <p className="loading">{t('app.loading')}</p>;
  const types = lastTypes.current;
  return (
    <MeProvider me={me}>
      <EntityTypesProvider types={types} reload={reloadTypes}>
        <Shell>
          {typesResult.error && <Problem message={typesResult.error.message} />}
          <AppRoutes />
        </Shell>
      </EntityTypesProvider>
    </MeProvider>
  );
}

