import { useEffect, useRef, useState } from "react";
import { api, ok, type Profile, type User } from "../../api/client";
import { href, Link, navigate } from "../../base/router";
import { Avatar } from "../../components/Avatar";
import { Confirm } from "../../components/Confirm";
import { Icon } from "../../components/Icon";
import { PeoplePicker } from "../../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useAsync } from "../../components/useAsync";
import { useAction } from "../../components/useAction";
import { useI18n, useT } from "../../i18n";
import { usePresence } from "../../platform/presence";
import { Markdown } from "../markdown";
import { nameOf, rememberPeople } from "../people";
import { channelsStore, onChannelEvent, refreshChannel, setNotifyLevel, type Member } from "../runtime";
import { isDirect, type Channel } from "../unread";

function PaneHead({ id, title, onClose }: { id: string; title: string; onClose: () => void }) {
  const t = useT();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <header className="side-pane-head">
      <h2 id={id} ref={ref} tabIndex={-1}>
        {title}
      </h2>
      <button type="button" className="btn btn-ghost btn-icon" aria-label={t("common.close")} onClick={onClose}>
        <Icon name="close" />
      </button>
    </header>
  );
}

function MemberRow({ member, person, canRemove, onRemove }: { member: Member; person: Profile | undefined; canRemove: boolean; onRemove: () => void }) {
  const t = useT();
  const presence = usePresence(member.user_id);
  const name = nameOf(person);
  return (
    <li className="member-row">
      {person && <Avatar user={person} size="sm" presence />}
      <span className="member-name">
        {person ? <Link to={href("/people/:user", { user: person.username })}>{name}</Link> : name}
        {presence !== "unknown" && <span className="sr-only"> ({t(`presence.${presence}`)})</span>}
      </span>
      {member.role === "admin" && <span className="badge">{t("chat.channelAdmin")}</span>}
      {canRemove && (
        <button type="button" className="btn btn-small" onClick={onRemove}>
          {t("chat.remove")}
          <span className="sr-only"> {name}</span>
        </button>
      )}
    </li>
  );
}

/** About the channel, my notification level, the members (invite, remove), leave and archive. */
export function DetailsPane({ channel, me, members, people, onClose }: { channel: Channel; me: User; members: readonly Member[]; people: ReadonlyMap<string, Profile>; onClose: () => void }) {
  const t = useT();
  const action = useAction();
  const direct = isDirect(channel);
  const admin = channel.membership?.role === "admin";
  const archived = !!channel.archived_at;
  const notify = channel.membership?.notify ?? "mentions";

  const setNotify = (level: "all" | "mentions" | "none") => void action.run(() => setNotifyLevel(channel.id, level));
  const invite = (p: Profile) =>
    void action.run(async () => {
      rememberPeople([p]);
      await ok(api.POST("/api/v1/channels/{id}/members", { params: { path: { id: channel.id } }, body: { user_ids: [p.id] } }));
    });
  const removeMember = (u: string) => void action.run(() => ok(api.DELETE("/api/v1/channels/{id}/members/{user}", { params: { path: { id: channel.id, user: u } } })));
  const leave = () =>
    void action.run(async () => {
      await ok(api.POST("/api/v1/channels/{id}/leave", { params: { path: { id: channel.id } } }));
      channelsStore.set((s) => {
        const byId = new Map(s.byId);
        byId.delete(channel.id);
        return { ...s, byId };
      });
      navigate("/");
    });
  const setArchived = (on: boolean) =>
    void action.run(async () => {
      await ok(on ? api.POST("/api/v1/channels/{id}/archive", { params: { path: { id: channel.id } } }) : api.POST("/api/v1/channels/{id}/unarchive", { params: { path: { id: channel.id } } }));
      await refreshChannel(channel.id);
    });

  // Leaving, archiving and removing someone are asked first.
  const [ask, setAsk] = useState<{ kind: "leave" | "archive" } | { kind: "remove"; user: string } | null>(null);
  const channelName = `#${channel.name}`;
  const removing = ask?.kind === "remove" ? nameOf(people.get(ask.user)) : "";

  const sorted = [...members].sort((a, b) => nameOf(people.get(a.user_id)).localeCompare(nameOf(people.get(b.user_id))));
  return (
    <aside className="side-pane" aria-labelledby="details-title">
      <PaneHead id="details-title" title={t("chat.details")} onClose={onClose} />
      <div className="side-pane-body">
        {(channel.purpose || channel.topic) && (
          <section aria-label={t("chat.about")}>
            {channel.purpose && <p>{channel.purpose}</p>}
            {channel.topic && <p className="muted">{channel.topic}</p>}
          </section>
        )}
        <fieldset className="radio-group">
          <legend>{t("chat.notifyLegend")}</legend>
          {(["all", "mentions", "none"] as const).map((level) => (
            <label key={level}>
              <input type="radio" name={`notify-${channel.id}`} checked={notify === level} onChange={() => setNotify(level)} />
              {t(`chat.notify.${level}`)}
            </label>
          ))}
        </fieldset>
        {action.error !== undefined && <ErrorState error={action.error} />}
        <h3>{t("chat.membersCount", { count: members.length })}</h3>
        {!direct && !archived && <PeoplePicker label={t("chat.invite")} exclude={members.map((m) => m.user_id)} onPick={invite} />}
        <ul className="member-list" aria-label={t("chat.members")}>
          {sorted.map((m) => (
            <MemberRow key={m.user_id} member={m} person={people.get(m.user_id)} canRemove={admin && !direct && !archived && m.user_id !== me.id} onRemove={() => setAsk({ kind: "remove", user: m.user_id })} />
          ))}
        </ul>
        {!direct && (
          <div className="actions">
            <button type="button" className="btn" onClick={() => setAsk({ kind: "leave" })}>
              {t("chat.leave")}
            </button>
            {admin && (
              <button type="button" className="btn" onClick={() => (archived ? setArchived(false) : setAsk({ kind: "archive" }))}>
                {archived ? t("chat.unarchive") : t("chat.archive")}
              </button>
            )}
          </div>
        )}
      </div>
      <Confirm
        open={ask?.kind === "leave"}
        title={t("confirm.leaveTitle", { name: channelName })}
        text={channel.kind === "private" ? t("confirm.leavePrivateText") : t("confirm.leaveText")}
        confirm={t("chat.leave")}
        onClose={() => setAsk(null)}
        onConfirm={leave}
      />
      <Confirm
        open={ask?.kind === "archive"}
        title={t("confirm.archiveTitle", { name: channelName })}
        text={t("confirm.archiveText")}
        confirm={t("chat.archive")}
        onClose={() => setAsk(null)}
        onConfirm={() => setArchived(true)}
      />
      <Confirm
        open={ask?.kind === "remove"}
        title={t("confirm.removeTitle", { name: removing, channel: channelName })}
        text={t("confirm.removeText")}
        confirm={t("chat.remove")}
        onClose={() => setAsk(null)}
        onConfirm={() => ask?.kind === "remove" && removeMember(ask.user)}
      />
    </aside>
  );
}

/** The channel's pinned messages, newest pin first; each jumps to its place. */
export function PinsPane({ channel, people, onJump, onClose }: { channel: Channel; people: ReadonlyMap<string, Profile>; onJump: (id: string) => void; onClose: () => void }) {
  const t = useT();
  const { dateTime } = useI18n();
  const pins = useAsync(async (signal) => (await ok(api.GET("/api/v1/channels/{id}/pins", { params: { path: { id: channel.id } }, signal }))).items ?? [], [channel.id]);
  const [, setTick] = useState(0);
  useEffect(
    () =>
      onChannelEvent(channel.id, (f) => {
        if (f.type === "message.pinned" || f.type === "message.unpinned" || f.type === "message.deleted") {
          pins.reload();
          setTick((n) => n + 1);
        }
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [channel.id],
  );
  return (
    <aside className="side-pane" aria-labelledby="pins-title">
      <PaneHead id="pins-title" title={t("chat.pinnedTitle")} onClose={onClose} />
      <div className="side-pane-body">
        {pins.loading && !pins.data && <Loading />}
        {pins.error !== undefined && <ErrorState error={pins.error} retry={pins.reload} />}
        {pins.data?.length === 0 && <Empty>{t("chat.noPins")}</Empty>}
        <ul className="pin-list" aria-label={t("chat.pinnedTitle")}>
          {(pins.data ?? []).map((m) => (
            <li key={m.id} className="pin">
              <p className="muted small">
                {nameOf(people.get(m.user_id))} · {dateTime(m.created_at)}
              </p>
              <Markdown text={m.text} />
              <button type="button" className="btn btn-small" onClick={() => onJump(m.id)}>
                {t("chat.jump")}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </aside>
  );
}
