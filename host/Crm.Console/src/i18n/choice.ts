import { createContext, useSyncExternalStore } from 'react';
import type { Language } from './index';

// The language chosen in this browser before signing in (the sign-in page's switch); signed in, the user's own (me.language) wins.
const storageKey = 'crm.language';
const listeners = new Set<() => void>();

export function chooseLanguage(language: Language): void {
  localStorage.setItem(storageKey, language);
  listeners.forEach((l) => l());
}

export function useChosenLanguage(): Language | null {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => (localStorage.getItem(storageKey) as Language | null) ?? null,
  );
}

/** Saves a language chosen while signed in to the user (updateMyLanguage); null on the sign-in page. */
export const LanguageSaver = createContext<((language: Language) => Promise<void>) | null>(null);
