// The websocket client for /api/v1/ws (protocol: docs/realtime.md).
//
// It keeps the cursor of the last durable event and reconnects with it
// after any drop (network, server restart, "too slow"), so the server
// replays what was missed: in order, each event once. Events at or below
// the cursor are dropped, so a replay that overlaps never shows a message
// twice. A resync (cursor too old) or the first connection tells the app
// to load its state over REST instead. Reconnects back off exponentially
// with jitter, so a restarted server is not stampeded by every browser.
//
// Everything that touches the outside (the socket, timers, randomness) is
// injected, so the tests drive it with a fake socket and a fake clock.

import type { components } from "../api/schema";
import type { ChatEvent, Frame } from "./events";

export type ServerFrame = components["schemas"]["ServerFrame"];
export type ClientFrame = components["schemas"]["ClientFrame"];
export type Hello = components["schemas"]["Hello"];
export type Resync = components["schemas"]["Resync"];

/** connecting: the first attempt; open: greeted; reconnecting: lost and trying again; stopped: signed out or stopped. */
export type RealtimeStatus = "connecting" | "open" | "reconnecting" | "stopped";

/** The part of WebSocket the client uses. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface RealtimeHandlers {
  /** A durable event (it has a cursor): in order, each one once. */
  event(frame: ChatEvent): void;
  /** typing, presence, ack, error and pong frames. */
  ephemeral?(frame: Frame): void;
  /**
   * Greeted by the server. fresh: load the state over REST (first
   * connection, or a resync because the cursor was too old); otherwise the
   * missed events have been replayed and nothing needs reloading.
   */
  ready?(info: { fresh: boolean; cursor: number }): void;
  status?(status: RealtimeStatus): void;
  /** Close code 4000: the session ended; the app returns to sign-in. */
  sessionEnded?(): void;
}

export interface RealtimeOptions {
  /** The address to connect to, with ?cursor= when resuming. */
  url(cursor: number | undefined): string;
  socket?: (url: string) => SocketLike;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (id: unknown) => void;
  random?: () => number;
}

/** Close codes (docs/realtime.md). */
export const CloseSessionEnded = 4000;

const baseDelayMs = 500;
const maxDelayMs = 30_000;
/** How often the client checks the connection, and how long an answer may take. */
export const heartbeatMs = 30_000;
export const heartbeatTimeoutMs = 10_000;

/**
 * How long to wait before reconnect attempt n (0 for the first after a
 * drop): 0.5 s doubling up to 30 s, each time a random point in the upper
 * half, so clients that lost the same server spread out.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** ws://host/api/v1/ws for the page's own origin; ?cursor= to resume. */
export function socketURL(origin: string, cursor: number | undefined): string {
  const u = new URL("/api/v1/ws", origin);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  if (cursor !== undefined) u.searchParams.set("cursor", String(cursor));
  return u.toString();
}

export class RealtimeClient {
  private readonly opts: Required<RealtimeOptions>;
  private readonly on: RealtimeHandlers;
  private ws: SocketLike | undefined;
  private greeted = false;
  private attempt = 0;
  private timer: unknown;
  private stopped = true;
  private everOpen = false;
  /** Frames that describe this client's wishes (presence, watched people): sent again after every reconnect. */
  private readonly sticky = new Map<string, ClientFrame>();
  private _cursor: number | undefined;
  private _status: RealtimeStatus = "stopped";
  private beat: unknown;
  private beatDeadline: unknown;
  private beats = 0;

  constructor(options: RealtimeOptions, handlers: RealtimeHandlers) {
    this.opts = {
      socket: (url) => new WebSocket(url) as unknown as SocketLike,
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
      random: Math.random,
      ...options,
    };
    this.on = handlers;
  }

  /** The cursor of the last event received (undefined before the first hello). */
  get cursor(): number | undefined {
    return this._cursor;
  }

  get status(): RealtimeStatus {
    return this._status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.setStatus(this.everOpen ? "reconnecting" : "connecting");
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.opts.clearTimeout(this.timer);
    this.timer = undefined;
    this.stopHeartbeat();
    this.drop(1000, "bye");
    this.setStatus("stopped");
  }

  /** Try now instead of waiting out the backoff (the network is back). */
  reconnectNow(): void {
    if (this.stopped || this.greeted) return;
    this.opts.clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt = 0;
    if (!this.ws) this.connect();
  }

  /** Sends a frame now; false when not connected (typing and the like are then simply not sent). */
  send(frame: ClientFrame): boolean {
    if (!this.ws || !this.greeted) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Keeps a frame under key and sends it now and after every reconnect
   * (the watched people, a chosen status); undefined forgets it.
   */
  setSticky(key: string, frame: ClientFrame | undefined): void {
    if (frame) {
      this.sticky.set(key, frame);
      this.send(frame);
    } else {
      this.sticky.delete(key);
    }
  }

  private setStatus(s: RealtimeStatus): void {
    if (s === this._status) return;
    this._status = s;
    this.on.status?.(s);
  }

  private connect(): void {
    this.timer = undefined;
    let ws: SocketLike;
    try {
      ws = this.opts.socket(this.opts.url(this._cursor));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.greeted = false;
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.receive(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.ws === ws) this.closed(ev.code);
    };
    ws.onerror = () => {
      // A close event always follows; reconnecting is handled there.
    };
  }

  /**
   * A connection can die without a close event (a laptop that slept, a NAT
   * that forgot it): every 30 s a ping must be answered within 10 s, or the
   * connection is given up and a new one resumes from the cursor. (The
   * server does not count pings as activity, so they do not keep anyone
   * "active".)
   */
  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.beat = this.opts.setTimeout(() => {
      const id = `hb${++this.beats}`;
      this.send({ type: "ping", id });
      this.beatDeadline = this.opts.setTimeout(() => {
        const ws = this.ws;
        this.drop(4001, "no answer");
        if (ws) this.closed(1006);
      }, heartbeatTimeoutMs);
    }, heartbeatMs);
  }

  private stopHeartbeat(): void {
    this.opts.clearTimeout(this.beat);
    this.opts.clearTimeout(this.beatDeadline);
    this.beat = this.beatDeadline = undefined;
  }

  private drop(code: number, reason: string): void {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    this.greeted = false;
    if (!ws) return;
    ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  private closed(code: number): void {
    this.stopHeartbeat();
    this.ws = undefined;
    this.greeted = false;
    if (this.stopped) return;
    if (code === CloseSessionEnded) {
      this.stopped = true;
      this.setStatus("stopped");
      this.on.sessionEnded?.();
      return;
    }
    this.setStatus(this.everOpen ? "reconnecting" : "connecting");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.opts.random);
    this.attempt++;
    this.timer = this.opts.setTimeout(() => this.connect(), delay);
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") return;
    // Anything from the server shows the connection is alive.
    if (this.greeted) this.startHeartbeat();
    let f: ServerFrame;
    try {
      f = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (typeof f !== "object" || f === null || typeof f.type !== "string") return;
    if (f.type === "hello" || f.type === "resync") {
      this.greet(f);
      return;
    }
    if (f.cursor !== undefined && f.cursor > 0) {
      // Replays may overlap what a REST load or an earlier connection
      // already delivered: the cursor says whether we have it.
      if (this._cursor !== undefined && f.cursor <= this._cursor) return;
      this._cursor = f.cursor;
      // The server publishes every frame it sends as a schema (Event,
      // Frame) and its tests check each event against it: this is where
      // the wire's JSON becomes those types.
      this.on.event(f as ChatEvent);
      return;
    }
    this.on.ephemeral?.(f as Frame);
  }

  private greet(f: ServerFrame): void {
    const p = (f.payload ?? {}) as Partial<Hello & Resync>;
    const resumed = f.type === "hello" && p.resumed === true && this._cursor !== undefined;
    if (!resumed && typeof p.cursor === "number") this._cursor = p.cursor;
    this.greeted = true;
    this.everOpen = true;
    this.attempt = 0;
    this.setStatus("open");
    this.startHeartbeat();
    for (const frame of this.sticky.values()) this.send(frame);
    this.on.ready?.({ fresh: !resumed, cursor: this._cursor ?? 0 });
  }
}
