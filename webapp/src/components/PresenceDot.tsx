import { useT } from "../i18n";
import type { Presence } from "../platform/presence";

/** The colored dot for online / away / do not disturb / offline. */
export function PresenceDot({ presence, decorative = false }: { presence: Presence; decorative?: boolean }) {
  const t = useT();
  const label = t(`presence.${presence}`);
  return decorative ? (
    <span className={`presence presence-${presence}`} title={label} />
  ) : (
    <span className={`presence presence-${presence}`} role="img" aria-label={label} title={label} />
  );
}
