// Per-browser preferences (language, theme) in localStorage. Storage may
// be missing or full (private windows, tests); preferences then simply do
// not persist.

export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function browserStorage(): KeyValue | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

export function readPref(key: string, storage: KeyValue | undefined = browserStorage()): string | null {
  try {
    return storage?.getItem(`kontor.${key}`) ?? null;
  } catch {
    return null;
  }
}

export function writePref(key: string, value: string | null, storage: KeyValue | undefined = browserStorage()): void {
  try {
    if (value === null) storage?.removeItem(`kontor.${key}`);
    else storage?.setItem(`kontor.${key}`, value);
  } catch {
    // Not persisting a preference is not worth bothering anyone about.
  }
}
