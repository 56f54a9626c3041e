import { useSyncExternalStore } from 'react';
import type { Language } from './index';

// The language chosen in this browser; without a choice the user's own (me.language) or the browser's.
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
