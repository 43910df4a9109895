import { useState, type FormEvent } from "react";
import { api, ApiError, ok, type Profile, type User } from "../../api/client";
import { href, navigate } from "../../base/router";
import { Avatar } from "../../components/Avatar";
import { Dialog } from "../../components/Dialog";
import { Field } from "../../components/Field";
import { PeoplePicker } from "../../components/PeoplePicker";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useAsync, useDebounced } from "../../components/useAsync";
import { useAction } from "../../components/useAction";
import { useT } from "../../i18n";
import { rememberPeople } from "../people";
import { refreshChannel } from "../runtime";

/** Picked people as chips with a remove button, and the picker to add more. */
export function PeopleChips({ label, people, onChange, exclude }: { label: string; people: Profile[]; onChange: (p: Profile[]) => void; exclude: string[] }) {
  const t = useT();
  return (
    <div>
      <PeoplePicker
        label={label}
        exclude={[...exclude, ...people.map((p) => p.id)]}
        onPick={(p) => {
          rememberPeople([p]);
          onChange([...people, p]);
        }}
      />
      {people.length > 0 && (
        <ul className="inline-list" aria-label={t("chat.picked")}>
          {people.map((p) => (
            <li key={p.id} className="chip">
              <Avatar user={p} size="sm" />
              {p.display_name}
              <button
                type="button"
                className="btn btn-ghost btn-icon"
                aria-label={t("chat.removePicked", { name: p.display_name })}
                onClick={() => onChange(people.filter((x) => x.id !== p.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

async function openChannel(id: string) {
  await refreshChannel(id);
  navigate(href("/c/:id", { id }));
}

/** Public channels to join, searchable. */
export function BrowseChannelsDialog({ open, onClose, onCreate }: { open: boolean; onClose: () => void; onCreate: () => void }) {
  const t = useT();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const action = useAction();
  const list = useAsync(
    async (signal) => {
      if (!open) return [];
      const page = await ok(api.GET("/api/v1/channels/browse", { params: { query: { q: dq || undefined, limit: 100 } }, signal }));
      return page.items ?? [];
    },
    [dq, open],
  );
  const join = async (id: string, member: boolean) => {
    const done = await action.run(async () => {
      if (!member) await ok(api.POST("/api/v1/channels/{id}/join", { params: { path: { id } } }));
      await openChannel(id);
      return true;
    });
    if (done) onClose();
  };
  return (
    <Dialog
      title={t("chat.browseTitle")}
      open={open}
      onClose={onClose}
      footer={
        <button
          type="button"
          className="btn"
          onClick={() => {
            onClose();
            onCreate();
          }}
        >
          {t("chat.create")}
        </button>
      }
    >
      <Field label={t("chat.searchChannels")} type="search" value={q} onChange={(e) => setQ(e.target.value)} autoFocus />
      {action.error !== undefined && <ErrorState error={action.error} />}
      {list.error !== undefined && <ErrorState error={list.error} retry={list.reload} />}
      {list.loading && <Loading />}
      {!list.loading && list.data?.length === 0 && <Empty>{t("chat.noPublicChannels")}</Empty>}
      <ul className="browse-list" aria-label={t("chat.publicChannels")}>
        {(list.data ?? []).map((c) => (
          <li key={c.id}>
            <div>
              <strong>#{c.name}</strong> {c.display_name && c.display_name !== c.name && <span>{c.display_name}</span>}
              <p className="muted small">
                {[c.purpose || c.topic, t("chat.memberCount", { count: c.member_count })].filter(Boolean).join(" · ")}
              </p>
            </div>
            <button type="button" className="btn btn-small" disabled={action.busy} onClick={() => void join(c.id, !!c.membership)}>
              {c.membership ? t("chat.open") : t("chat.join")}
              <span className="sr-only"> #{c.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** A new public or private channel, optionally announcement-only, with its first members. */
export function CreateChannelDialog({ open, onClose, me }: { open: boolean; onClose: () => void; me: User }) {
  const t = useT();
  const [name, setName] = useState("");
  const [purpose, setPurpose] = useState("");
  const [priv, setPriv] = useState(false);
  const [announcement, setAnnouncement] = useState(false);
  const [people, setPeople] = useState<Profile[]>([]);
  const action = useAction();
  const reset = () => {
    setName("");
    setPurpose("");
    setPriv(false);
    setAnnouncement(false);
    setPeople([]);
    action.clear();
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const c = await action.run(() =>
      ok(
        api.POST("/api/v1/channels", {
          body: { name: slug(name), display_name: name.trim(), purpose: purpose.trim(), private: priv, announcement, member_ids: people.map((p) => p.id) },
        }),
      ),
    );
    if (c) {
      reset();
      onClose();
      await openChannel(c.id);
    }
  };
  const nameError = action.error instanceof ApiError ? action.error.field("body.name") : undefined;
  return (
    <Dialog
      title={t("chat.createTitle")}
      open={open}
      onClose={() => {
        reset();
        onClose();
      }}
    >
      <form className="form" onSubmit={submit}>
        <Field label={t("chat.channelName")} value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} hint={name ? `#${slug(name)}` : t("chat.channelNameHint")} error={nameError} autoFocus />
        <Field label={t("chat.purpose")} value={purpose} onChange={(e) => setPurpose(e.target.value)} maxLength={250} />
        <div className="checkbox-group">
          <label>
            <input type="checkbox" checked={priv} onChange={(e) => setPriv(e.target.checked)} />
            {t("chat.makePrivate")}
          </label>
          <label>
            <input type="checkbox" checked={announcement} onChange={(e) => setAnnouncement(e.target.checked)} />
            {t("chat.makeAnnouncement")}
          </label>
        </div>
        <PeopleChips label={t("chat.addPeople")} people={people} onChange={setPeople} exclude={[me.id]} />
        {action.error !== undefined && !nameError && <ErrorState error={action.error} />}
        <button type="submit" className="btn btn-primary" disabled={action.busy || !slug(name)}>
          {t("chat.createSubmit")}
        </button>
      </form>
    </Dialog>
  );
}

/** "Einkauf Team!" → "einkauf-team": the URL-safe name the server wants. */
export function slug(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/ä/g, "ae")
    .replace(/ö/g, "oe")
    .replace(/ü/g, "ue")
    .replace(/ß/g, "ss")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|-+$/g, "")
    .slice(0, 64);
}

/** Starts (or reopens) a direct conversation with one person or a group. */
export function NewMessageDialog({ open, onClose, me }: { open: boolean; onClose: () => void; me: User }) {
  const t = useT();
  const [people, setPeople] = useState<Profile[]>([]);
  const action = useAction();
  const start = async () => {
    const c = await action.run(() => ok(api.POST("/api/v1/channels/direct", { body: { user_ids: people.map((p) => p.id) } })));
    if (c) {
      setPeople([]);
      onClose();
      await openChannel(c.id);
    }
  };
  return (
    <Dialog
      title={t("chat.newMessage")}
      open={open}
      onClose={() => {
        setPeople([]);
        onClose();
      }}
      footer={
        <button type="button" className="btn btn-primary" disabled={people.length === 0 || action.busy} onClick={() => void start()}>
          {t("chat.startConversation")}
        </button>
      }
    >
      <p className="muted">{t("chat.newMessageHelp")}</p>
      <PeopleChips label={t("chat.to")} people={people} onChange={setPeople} exclude={[me.id]} />
      {action.error !== undefined && <ErrorState error={action.error} />}
    </Dialog>
  );
}
