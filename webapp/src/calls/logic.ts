// The decisions of a call that need no browser: who is speaking, how good
// the connection is, whether a reload should rejoin, which key does what.
// engine.ts feeds them what getStats and the server say.

export type Quality = "good" | "fair" | "poor" | "unknown";

/** One second's worth of what getStats says about the connection. */
export interface ConnSample {
  /** Round-trip time of the selected candidate pair, seconds. */
  rtt?: number;
  /** Packets received and lost (all inbound streams) since the previous sample. */
  received: number;
  lost: number;
  /** Largest inbound jitter, seconds. */
  jitter?: number;
}

/**
 * How the connection is, from round-trip time, loss and jitter (the
 * thresholds people notice: loss over 2 % is audible, over 8 % or half a
 * second of delay breaks a conversation).
 */
export function classifyQuality(s: ConnSample | undefined): Quality {
  if (!s) return "unknown";
  const total = s.received + s.lost;
  const loss = total > 0 ? s.lost / total : 0;
  const rtt = s.rtt ?? 0;
  const jitter = s.jitter ?? 0;
  if (total === 0 && s.rtt === undefined) return "unknown";
  if (loss > 0.08 || rtt > 0.5 || jitter > 0.1) return "poor";
  if (loss > 0.02 || rtt > 0.25 || jitter > 0.04) return "fair";
  return "good";
}

/** Audio level (0..1) under which nobody counts as speaking. */
export const speakingLevel = 0.02;

/**
 * The active speaker: the loudest above speakingLevel; the one before
 * keeps the place while still speaking within a margin (so the highlight
 * does not flicker between two voices).
 */
export function pickSpeaker(levels: ReadonlyMap<string, number>, current: string | undefined): string | undefined {
  let best: string | undefined;
  let bestLevel = speakingLevel;
  for (const [user, level] of levels) {
    if (level > bestLevel) {
      best = user;
      bestLevel = level;
    }
  }
  const cur = current !== undefined ? (levels.get(current) ?? 0) : 0;
  if (current !== undefined && cur > speakingLevel && cur * 1.5 >= bestLevel) return current;
  return best ?? (cur > speakingLevel ? current : undefined);
}

/** What a tab keeps to rejoin its call after a reload (session storage: this tab only). */
export interface Rejoin {
  channelId: string;
  /** When it was last written (ms since epoch); the tab writes it every few seconds while in the call. */
  at: number;
  audioId?: string;
  videoId?: string;
  muted?: boolean;
  cameraOff?: boolean;
}

/** How old a rejoin note may be: a reload takes seconds; a tab reopened later does not jump into a call. */
export const rejoinMaxAgeMs = 60_000;

export function parseRejoin(raw: string | null, now: number): Rejoin | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<Rejoin>;
    if (typeof v.channelId !== "string" || !v.channelId || typeof v.at !== "number") return undefined;
    if (now - v.at > rejoinMaxAgeMs || v.at > now + rejoinMaxAgeMs) return undefined;
    return {
      channelId: v.channelId,
      at: v.at,
      audioId: typeof v.audioId === "string" ? v.audioId : undefined,
      videoId: typeof v.videoId === "string" ? v.videoId : undefined,
      muted: v.muted === true,
      cameraOff: v.cameraOff === true,
    };
  } catch {
    return undefined;
  }
}

export type CallKey = "mute" | "camera";

/** Ctrl/Cmd+Shift+M mutes, Ctrl/Cmd+Shift+O turns the camera off and on (as in other meeting apps). */
export function callShortcut(e: { key: string; code?: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }): CallKey | undefined {
  if (!(e.ctrlKey || e.metaKey) || !e.shiftKey || e.altKey) return undefined;
  const k = e.code ? e.code.replace(/^Key/, "").toLowerCase() : e.key.toLowerCase();
  if (k === "m") return "mute";
  if (k === "o") return "camera";
  return undefined;
}

export type Source = "microphone" | "camera" | "screen" | "unknown";

export interface StateTrack {
  id: string;
  kind: string;
  source: string;
}

/** The source of a received track by its id, as the call state lists the publisher's tracks. */
export function sourceOf(tracks: readonly StateTrack[] | undefined, trackId: string): Source {
  const s = tracks?.find((t) => t.id === trackId)?.source;
  return s === "microphone" || s === "camera" || s === "screen" ? s : "unknown";
}

/** What a media section of a session description carries: its publisher's stream (a user id here) and track id. */
export interface SectionMsid {
  stream: string;
  track: string;
}

/**
 * The a=msid of each media section by its a=mid. A received track is known
 * by the msid of its transceiver's section, not by its MediaStreamTrack id:
 * a browser keeps one receiver track per transceiver for good, and the SFU
 * reuses an idle transceiver (someone left) for the next track it adds, so
 * the receiver's track id is still the first publisher's while the section
 * now carries another track, often of another person.
 */
export function msidByMid(sdp: string | undefined): Map<string, SectionMsid> {
  const out = new Map<string, SectionMsid>();
  if (!sdp) return out;
  const flush = (mid: string | undefined, msid: SectionMsid | undefined) => {
    if (mid !== undefined && msid) out.set(mid, msid);
  };
  let mid: string | undefined;
  let msid: SectionMsid | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("m=")) {
      flush(mid, msid);
      mid = msid = undefined;
    } else if (line.startsWith("a=mid:")) mid = line.slice("a=mid:".length);
    else if (line.startsWith("a=msid:") && !msid) {
      const [stream, track] = line.slice("a=msid:".length).split(" ");
      if (stream && track && stream !== "-") msid = { stream, track };
    }
  }
  flush(mid, msid);
  return out;
}
