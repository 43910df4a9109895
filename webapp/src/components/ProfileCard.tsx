import type { ReactNode } from "react";
import type { Profile } from "../api/client";
import { useT } from "../i18n";
import { usePresence } from "../platform/presence";
import { Avatar } from "./Avatar";
import { PresenceDot } from "./PresenceDot";

interface Props {
  person: Profile;
  /** Buttons such as "Message" (with chat) or "Manage" (for admins). */
  actions?: ReactNode;
  headingLevel?: 2 | 3;
}

/** Who someone is: picture, name, presence, title, department and how to reach them. */
export function ProfileCard({ person, actions, headingLevel = 2 }: Props) {
  const t = useT();
  const presence = usePresence(person.id);
  const H = headingLevel === 2 ? "h2" : "h3";
  return (
    <article className="profile-card" aria-label={person.display_name}>
      <Avatar user={person} size="xl" />
      <div className="profile-card-main">
        <H className="profile-card-name">
          {person.display_name} {presence !== "unknown" && <PresenceDot presence={presence} />}
        </H>
        <p className="muted">@{person.username}</p>
        {!person.active && <p className="badge badge-warn">{t("people.inactive")}</p>}
        <dl className="facts">
          {person.title && (
            <>
              <dt>{t("profile.title")}</dt>
              <dd>{person.title}</dd>
            </>
          )}
          {person.department && (
            <>
              <dt>{t("profile.department")}</dt>
              <dd>{person.department}</dd>
            </>
          )}
          {person.email && (
            <>
              <dt>{t("profile.email")}</dt>
              <dd>
                <a href={`mailto:${person.email}`}>{person.email}</a>
              </dd>
            </>
          )}
          {person.time_zone && localTime(person.time_zone) && (
            <>
              <dt>{t("profile.localTime")}</dt>
              <dd>
                {localTime(person.time_zone)} <span className="muted">({person.time_zone.replace(/_/g, " ")})</span>
              </dd>
            </>
          )}
          {person.phone && (
            <>
              <dt>{t("profile.phone")}</dt>
              <dd>
                <a href={`tel:${person.phone.replace(/[^\d+]/g, "")}`}>{person.phone}</a>
              </dd>
            </>
          )}
        </dl>
        {actions && <div className="actions">{actions}</div>}
      </div>
    </article>
  );
}

/** The time now in tz, as the reader's locale writes it; "" for an unknown zone. */
export function localTime(tz: string, now: Date = new Date()): string {
  try {
    return new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", timeZone: tz, weekday: "short" }).format(now);
  } catch {
    return "";
  }
}
