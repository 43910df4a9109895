import { useState } from "react";
import { usePresence } from "../platform/presence";
import { avatarSrc, colorIndex, initials, type AvatarSubject } from "./avatar";
import { PresenceDot } from "./PresenceDot";

interface Props {
  user: AvatarSubject;
  size?: "sm" | "md" | "lg" | "xl";
  /** Show the presence dot on the picture. */
  presence?: boolean;
}

/** A person's picture, or their initials on a color of their own. Decorative: the name is always next to it. */
export function Avatar({ user, size = "md", presence = false }: Props) {
  const [broken, setBroken] = useState(false);
  const src = avatarSrc(user);
  const state = usePresence(user.id);
  return (
    <span className={`avatar avatar-${size}`} aria-hidden="true">
      {src && !broken ? (
        <img src={src} alt="" loading="lazy" onError={() => setBroken(true)} />
      ) : (
        <span className={`avatar-initials avatar-c${colorIndex(user.id)}`}>{initials(user.display_name || user.username)}</span>
      )}
      {/* Unknown until the realtime gateway reports it: no dot rather than a wrong one. */}
      {presence && state !== "unknown" && <PresenceDot presence={state} decorative />}
    </span>
  );
}
