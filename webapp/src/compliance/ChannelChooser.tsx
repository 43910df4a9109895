import { useId, useState } from "react";
import { api, ok } from "../api/client";
import { useAsync, useDebounced } from "../components/useAsync";
import { useT } from "../i18n";

export interface ChannelRef {
  id: string;
  name: string;
}

/**
 * Finds channels by name to add to a hold or a search. It offers the
 * channels the directory of channels lists (public ones); a private
 * channel or a conversation is added from an e-discovery hit, where its id
 * is known, or by pasting its id.
 */
export function ChannelChooser({ label, onPick, exclude = [] }: { label: string; onPick: (c: ChannelRef) => void; exclude?: readonly string[] }) {
  const t = useT();
  const id = useId();
  const [q, setQ] = useState("");
  const query = useDebounced(q.trim(), 200);
  const idLike = /^[0-9a-z]{26}$/.test(query);
  const found = useAsync(
    async (signal) => {
      if (!query || idLike) return [];
      const page = await ok(api.GET("/api/v1/channels/browse", { params: { query: { q: query, limit: 8 } }, signal }));
      return (page.items ?? []).map((c) => ({ id: c.id, name: c.display_name || c.name || c.id }));
    },
    [query],
  );
  const items = (found.data ?? []).filter((c) => !exclude.includes(c.id));
  const pick = (c: ChannelRef) => {
    onPick(c);
    setQ("");
  };
  return (
    <div className="field channel-chooser">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="search" value={q} placeholder={t("compliance.channelPlaceholder")} onChange={(e) => setQ(e.target.value)} />
      {(items.length > 0 || idLike) && (
        <ul className="inline-list" aria-label={t("compliance.channelMatches")}>
          {idLike && !exclude.includes(query) && (
            <li>
              <button type="button" className="btn btn-small" onClick={() => pick({ id: query, name: query })}>
                {t("compliance.addChannel", { name: query })}
              </button>
            </li>
          )}
          {items.map((c) => (
            <li key={c.id}>
              <button type="button" className="btn btn-small" onClick={() => pick(c)}>
                {t("compliance.addChannel", { name: `#${c.name}` })}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
