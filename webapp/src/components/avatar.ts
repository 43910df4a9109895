// Pure helpers for avatars, kept apart from the component for tests.

/** Up to two letters: first and last word ("Jürgen Müller" → "JM"); one character for CJK names. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0];
  if (!first) return "?";
  const firstChar = Array.from(first)[0] ?? "?";
  // Chinese, Japanese and Korean names: the family name's first character.
  if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/.test(firstChar)) return firstChar;
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  const lastChar = last ? (Array.from(last)[0] ?? "") : "";
  return (firstChar + lastChar).toLocaleUpperCase();
}

export const avatarColors = 8;

/** A stable color slot for a user id, so a person keeps their color everywhere. */
export function colorIndex(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % avatarColors;
}

export interface AvatarSubject {
  id: string;
  display_name: string;
  username: string;
  has_avatar?: boolean;
  avatar_url?: string;
  /** For one's own account: a changed picture gets a new URL, past the browser's cache. */
  updated_at?: string;
}

export function avatarSrc(u: AvatarSubject): string | undefined {
  if (u.avatar_url) return u.avatar_url;
  if (u.has_avatar) {
    const v = u.updated_at ? `?v=${Date.parse(u.updated_at).toString(36)}` : "";
    return `/api/v1/users/${encodeURIComponent(u.id)}/avatar${v}`;
  }
  return undefined;
}
