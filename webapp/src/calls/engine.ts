// A call in the browser: one RTCPeerConnection to Kontor's SFU, signaled
// over the app's websocket (call.* frames, docs/realtime.md). The client
// makes the first offer with what it publishes; the server answers and
// offers the others' tracks whenever they change. The server is the
// polite side: an offer of ours that crosses one of its offers wins (it
// rolls its own back and offers again), so a server offer that arrives
// while ours waits is dropped here.
//
// The stores below are what the screens show: the call I am in, the live
// calls of my channels, a DM call ringing, a screen share request.

import { api, ok } from "../api/client";
import type { components } from "../api/schema";
import { createStore } from "../base/store";
import { channelsStore, currentUserId, onAnyEvent, onConnected, onFrame, refreshChannel, sendCallFrame } from "../chat/runtime";
import { isDirect } from "../chat/unread";
import { notify } from "../platform/notifications";
import { localePref, resolveLocale, translate } from "../i18n";
import { nameOf, peopleStore, requestPeople } from "../chat/people";
import { classifyQuality, msidByMid, parseRejoin, pickSpeaker, sourceOf, type Quality, type Rejoin, type Source } from "./logic";

export type Call = components["schemas"]["Call"];
export type Participant = components["schemas"]["CallParticipant"];
type CallFrame = components["schemas"]["CallClientFrame"];

export interface RemoteTrack {
  /** The publisher's track id, as the call state lists it (the msid of the transceiver's section; not track.id, see msidByMid). */
  id: string;
  userId: string;
  /** The receiver's track: one per transceiver for good, reused for whatever the section carries now. */
  track: MediaStreamTrack;
  stream: MediaStream;
  source: Source;
}

export interface InCall {
  channelId: string;
  phase: "joining" | "in-call" | "rejoining";
  call?: Call;
  local?: MediaStream;
  screen?: MediaStream;
  muted: boolean;
  cameraOff: boolean;
  hand: boolean;
  remote: readonly RemoteTrack[];
  /** user id -> audio level 0..1 (mine from the microphone, others' from getStats). */
  levels: ReadonlyMap<string, number>;
  speaker?: string;
  quality: Quality;
  /** receiver track id -> bytes received so far (getStats). */
  bytes: ReadonlyMap<string, number>;
  /** receiver video track ids whose frames are being decoded now. */
  flowing: ReadonlySet<string>;
  /** Someone asks me to share my screen. */
  screenAsk?: { requestId: string; from: string };
  /** What the person I asked answered. */
  screenAnswer?: { userId: string; accepted: boolean };
  /** A moderator muted me / removed me / the call failed. */
  notice?: "muted-by" | "removed" | "failed" | "ended";
  error?: unknown;
}

/** The call I am in (undefined: none). */
export const callStore = createStore<InCall | undefined>(undefined);
/** Running calls of my channels, by channel id. */
export const liveCalls = createStore<ReadonlyMap<string, Call>>(new Map());
/** A DM call someone started that rings here. */
export const ringing = createStore<Call | undefined>(undefined);
/** The channel whose pre-join check is open. */
export const preJoin = createStore<string | undefined>(undefined);
/** The last call notice after the call is over (removed, ended). */
export const lastNotice = createStore<InCall["notice"]>(undefined);

const rejoinKey = "kontor.call";
const requestTimeoutMs = 15_000;
/**
 * A video track whose frames stopped this long ago shows as off (camera
 * off, screen share stopped: the sender sends nothing). Long enough that a
 * busy machine's decoder pausing for a few seconds does not blink the tile.
 */
const stallMs = 10_000;

function setLive(c: Call): void {
  liveCalls.set((m) => {
    const next = new Map(m);
    if (c.ended_at) next.delete(c.channel_id);
    else next.set(c.channel_id, c);
    return next;
  });
}

/** Asks the server whether a call is running in a channel (on opening it). */
export async function loadLiveCall(channelId: string): Promise<void> {
  try {
    const out = await ok(api.GET("/api/v1/channels/{id}/calls", { params: { path: { id: channelId }, query: { limit: 1 } } }));
    const c = out.items?.[0];
    liveCalls.set((m) => {
      const next = new Map(m);
      if (c && !c.ended_at) next.set(channelId, c);
      else next.delete(channelId);
      return next;
    });
  } catch {
    // Calls switched off or the channel gone: no call button state to show.
  }
}

function update(fn: (s: InCall) => InCall): void {
  callStore.set((s) => (s ? fn(s) : s));
}

class Engine {
  private pc: RTCPeerConnection | undefined;
  private seq = 0;
  private waiting = new Map<string, { ok: (f: unknown) => void; fail: (e: unknown) => void; timer: ReturnType<typeof setTimeout> | undefined }>();
  /** Our offer was sent and its answer has not arrived: a server offer arriving now was sent before ours reached it (the server takes it back). */
  private awaitingAnswer = "";
  /** Offers we sent: a server offer that waited while we sent one of ours is taken back by the server. */
  private sentOffers = 0;
  private busy: Promise<void> = Promise.resolve();
  private answered = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  /** sender track id (as in our SDP) -> what it is. */
  private sources = new Map<string, Source>();
  private cameraSender: RTCRtpSender | undefined;
  private screenSender: RTCRtpSender | undefined;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private noteTimer: ReturnType<typeof setInterval> | undefined;
  private lastStats = new Map<string, { received: number; lost: number }>();
  /** inbound-rtp stats id (one per received stream: a reused receiver gets a new one) -> frames decoded and when they last grew. */
  private lastFrames = new Map<string, { frames: number; at: number }>();
  private audioCtx: AudioContext | undefined;
  private analyser: AnalyserNode | undefined;
  private gen = 0;
  /** The server's active speaker (call.speaker, from h-sfu's audio-level extension) and when it last said so. */
  private serverSpeaker: { userId: string; at: number } | undefined;
  private opts: Rejoin | undefined;

  frame(f: { type: string; payload?: unknown; channel_id?: string }): void {
    const p = (f.payload ?? {}) as Record<string, unknown>;
    const id = typeof p.id === "string" ? p.id : "";
    // Cleared as the answer arrives, in the order of the websocket, not when it is applied.
    if (id && id === this.awaitingAnswer) this.awaitingAnswer = "";
    if (id && this.waiting.has(id) && (f.type === "error" || f.type === "call.joined" || f.type === "call.answer" || f.type === "call.ack")) {
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      if (w) {
        clearTimeout(w.timer);
        if (f.type === "error") w.fail(p);
        else w.ok(p);
      }
      return;
    }
    const s = callStore.get();
    if (!s) return;
    switch (f.type) {
      case "call.offer":
        if (typeof p.sdp === "string") this.serverOffer(p.sdp);
        break;
      case "call.state": {
        const call = p.call as Call | undefined;
        if (call && call.channel_id === s.channelId) {
          update((x) => ({ ...x, call, remote: this.pruneRemote(x.remote, call) }));
          setLive(call);
        }
        break;
      }
      case "call.speaker":
        // The server hears every microphone: its choice wins over the levels measured here.
        if (typeof p.speaker === "string") {
          const userId = p.speaker;
          this.serverSpeaker = { userId, at: Date.now() };
          update((x) => (x.speaker === (userId || undefined) ? x : { ...x, speaker: userId || undefined }));
        }
        break;
      case "call.muted":
        this.applyMute(true, false);
        update((x) => ({ ...x, notice: "muted-by" }));
        break;
      case "call.removed":
        lastNotice.set("removed");
        this.teardown(false);
        break;
      case "call.screen_request":
        if (typeof p.request_id === "string" && typeof p.from === "string") {
          const ask = { requestId: p.request_id, from: p.from };
          update((x) => ({ ...x, screenAsk: ask }));
        }
        break;
      case "call.screen_answer":
        if (typeof p.user_id === "string") {
          const answer = { userId: p.user_id, accepted: p.accepted === true };
          update((x) => ({ ...x, screenAnswer: answer }));
        }
        break;
    }
  }

  /** Sends a frame and waits for its reply; timeoutMs undefined: until the reply, an error frame or the connection's end. */
  private request(frame: CallFrame, id = this.nextId(), timeoutMs: number | undefined = requestTimeoutMs): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiting.delete(id);
              reject(new Error(`no answer to ${frame.type}`));
            }, timeoutMs);
      this.waiting.set(id, { ok: (p) => resolve(p as Record<string, unknown>), fail: reject, timer });
      if (!sendCallFrame({ ...frame, id })) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error("not connected"));
      }
    });
  }

  private nextId(): string {
    return `c${++this.seq}`;
  }

  /** Joins the channel's call (starting one when none runs) with the media given, or the devices named. */
  async join(channelId: string, opts: Rejoin, media?: MediaStream): Promise<void> {
    const cur = callStore.get();
    if (cur && cur.channelId !== channelId) this.leave();
    const gen = ++this.gen;
    this.opts = { ...opts, channelId };
    lastNotice.set(undefined);
    callStore.set({
      channelId,
      phase: cur?.channelId === channelId ? "rejoining" : "joining",
      muted: opts.muted ?? false,
      cameraOff: opts.cameraOff ?? false,
      hand: false,
      remote: [],
      levels: new Map(),
      quality: "unknown",
      bytes: new Map(),
      flowing: new Set(),
      local: media ?? cur?.local,
      screen: undefined,
    });
    if (ringing.get()?.channel_id === channelId) ringing.set(undefined);
    this.writeNote();
    try {
      await ok(api.POST("/api/v1/channels/{id}/calls", { params: { path: { id: channelId } } }));
      let local = media ?? cur?.local;
      if (!local || local.getTracks().every((t) => t.readyState === "ended")) local = await openMedia(opts.audioId, opts.videoId);
      if (gen !== this.gen) return;
      update((x) => ({ ...x, local }));
      const joined = await this.request({ type: "call.join", channel_id: channelId });
      if (gen !== this.gen) return;
      const call = joined.call as Call | undefined;
      if (call) setLive(call);
      this.connect(local, iceServers(joined.ice_servers));
      update((x) => ({ ...x, call: call ?? x.call }));
      this.applyMute(opts.muted ?? false, true);
      this.applyCamera(opts.cameraOff ?? false);
      await this.negotiate();
      if (gen !== this.gen) return;
      update((x) => ({ ...x, phase: "in-call" }));
      this.startTimers();
    } catch (error) {
      if (gen !== this.gen) return;
      update((x) => ({ ...x, error }));
      this.teardown(false, true);
      callStore.set(undefined);
      lastNotice.set("failed");
      throw error;
    }
  }

  private connect(local: MediaStream | undefined, servers: RTCIceServer[]): void {
    this.closePC();
    // TURN with this call's short-lived credentials when the server runs one (call.joined's ice_servers).
    const pc = new RTCPeerConnection(servers.length ? { iceServers: servers } : undefined);
    this.pc = pc;
    this.answered = false;
    this.awaitingAnswer = "";
    this.pendingCandidates = [];
    this.sources.clear();
    this.cameraSender = this.screenSender = undefined;
    const stream = local ?? new MediaStream();
    for (const t of local?.getTracks() ?? []) {
      const tr = pc.addTransceiver(t, { direction: "sendonly", streams: [stream] });
      this.sources.set(t.id, t.kind === "audio" ? "microphone" : "camera");
      if (t.kind === "video") this.cameraSender = tr.sender;
    }
    // Nothing to publish: an audio section to receive on (the server adds the others' tracks).
    if (!local || local.getTracks().length === 0) pc.addTransceiver("audio", { direction: "recvonly" });
    pc.onicecandidate = (e) => {
      if (!e.candidate || this.pc !== pc) return;
      const c = e.candidate.toJSON();
      if (this.answered) this.sendCandidate(c);
      else this.pendingCandidates.push(c);
    };
    pc.ontrack = (e) => {
      if (this.pc !== pc) return;
      const track = e.track;
      // What the section carries now (the description being applied is the remote one while track events fire).
      const m = e.transceiver?.mid ? msidByMid(pc.remoteDescription?.sdp).get(e.transceiver.mid) : undefined;
      const userId = m?.stream ?? e.streams[0]?.id ?? "";
      const id = m?.track ?? track.id;
      const s = callStore.get();
      const source = sourceOf(s?.call?.participants?.find((p) => p.user_id === userId)?.tracks ?? undefined, id);
      const rt: RemoteTrack = { id, userId, track, stream: new MediaStream([track]), source };
      update((x) => ({ ...x, remote: [...x.remote.filter((r) => r.track !== track), rt] }));
      track.addEventListener("ended", () => update((x) => ({ ...x, remote: x.remote.filter((r) => r.track !== track) })));
    };
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return;
      if (pc.connectionState === "failed") void this.rejoin();
    };
  }

  private sendCandidate(c: RTCIceCandidateInit): void {
    sendCallFrame({
      type: "call.candidate",
      candidate: { candidate: c.candidate ?? "", sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined },
    });
  }

  /** Offers what we publish (first, and after adding a screen); waits for the server's answer. */
  private negotiate(): Promise<void> {
    const run = async () => {
      const pc = this.pc;
      if (!pc || pc.signalingState === "closed") return;
      try {
        const offer = await pc.createOffer();
        await pc.setLocalDescription(offer);
        const tracks: Record<string, string> = {};
        for (const [id, src] of this.sources) tracks[id] = src;
        const id = this.nextId();
        this.awaitingAnswer = id;
        this.sentOffers++;
        // No time limit: the server answers every offer (or refuses it with an error frame). Given up on, a late
        // answer would be dropped and the connection left in have-local-offer for good: every server offer after
        // it refused here, nothing published with this offer (a screen) sent. A lost connection ends the wait (closePC).
        const answer = await this.request({ type: "call.offer", sdp: pc.localDescription?.sdp ?? offer.sdp ?? "", tracks }, id, undefined);
        if (this.pc !== pc) return;
        await pc.setRemoteDescription({ type: "answer", sdp: String(answer.sdp ?? "") });
        if (!this.answered) {
          this.answered = true;
          for (const c of this.pendingCandidates) this.sendCandidate(c);
          this.pendingCandidates = [];
        }
      } finally {
        this.awaitingAnswer = "";
      }
    };
    const p = this.busy.then(run, run);
    this.busy = p.catch(() => undefined);
    return p;
  }

  private serverOffer(sdp: string): void {
    const pc = this.pc;
    // Ours is in flight: the server sent this before it got ours, takes it back and offers again after answering ours.
    if (!pc || this.awaitingAnswer) return;
    const epoch = this.sentOffers;
    const run = async () => {
      // Waited behind an offer of ours (a screen share): taken back too.
      if (this.pc !== pc || this.sentOffers !== epoch || pc.signalingState !== "stable") return;
      await pc.setRemoteDescription({ type: "offer", sdp });
      this.remap(pc);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      sendCallFrame({ type: "call.answer", sdp: pc.localDescription?.sdp ?? answer.sdp ?? "" });
    };
    const p = this.busy.then(run, run);
    this.busy = p.catch(() => undefined);
  }

  /**
   * Names every received track by what its section carries after a server
   * offer: a section the SFU reused may carry another track without a
   * track event (the receiver was receiving all along).
   */
  private remap(pc: RTCPeerConnection): void {
    const byMid = msidByMid(pc.remoteDescription?.sdp);
    const byTrack = new Map<MediaStreamTrack, { stream: string; track: string }>();
    for (const t of pc.getTransceivers()) {
      const m = t.mid ? byMid.get(t.mid) : undefined;
      if (m) byTrack.set(t.receiver.track, m);
    }
    update((x) => {
      let changed = false;
      const remote = x.remote.map((r) => {
        const m = byTrack.get(r.track);
        if (!m || (m.track === r.id && m.stream === r.userId)) return r;
        changed = true;
        const source = sourceOf(x.call?.participants?.find((p) => p.user_id === m.stream)?.tracks ?? undefined, m.track);
        return { ...r, id: m.track, userId: m.stream, source, stream: new MediaStream([r.track]) };
      });
      return changed ? { ...x, remote } : x;
    });
  }

  private pruneRemote(remote: readonly RemoteTrack[], call: Call): readonly RemoteTrack[] {
    const listed = new Map<string, Source>();
    for (const p of call.participants ?? []) for (const t of p.tracks ?? []) listed.set(t.id, sourceOf(p.tracks ?? undefined, t.id));
    let changed = false;
    const out: RemoteTrack[] = [];
    for (const r of remote) {
      const src = listed.get(r.id);
      if (src === undefined) {
        // Published tracks are listed as soon as they arrive; a track is
        // kept until its publisher is gone from the call.
        if (!call.participants?.some((p) => p.user_id === r.userId)) {
          changed = true;
          continue;
        }
        out.push(r);
      } else if (src !== r.source) {
        changed = true;
        out.push({ ...r, source: src });
      } else out.push(r);
    }
    return changed ? out : remote;
  }

  setMuted(muted: boolean): void {
    this.applyMute(muted, false);
  }

  private applyMute(muted: boolean, initial: boolean): void {
    const s = callStore.get();
    if (!s) return;
    for (const t of s.local?.getAudioTracks() ?? []) t.enabled = !muted;
    update((x) => ({ ...x, muted, notice: muted ? x.notice : undefined }));
    if (this.opts) this.opts.muted = muted;
    this.writeNote();
    if (!initial || muted) sendCallFrame({ type: "call.mute", muted });
  }

  setCameraOff(off: boolean): void {
    this.applyCamera(off);
  }

  private applyCamera(off: boolean): void {
    const s = callStore.get();
    const track = s?.local?.getVideoTracks()[0];
    if (!s || !track) return;
    track.enabled = !off;
    // Off sends nothing at all (not black frames): the others see the frames stop and show the name instead.
    void this.cameraSender?.replaceTrack(off ? null : track).catch(() => undefined);
    update((x) => ({ ...x, cameraOff: off }));
    if (this.opts) this.opts.cameraOff = off;
    this.writeNote();
  }

  setHand(raised: boolean): void {
    update((x) => ({ ...x, hand: raised }));
    sendCallFrame({ type: "call.hand", raised });
  }

  /** Shares my screen (after my click: the browser asks which screen). */
  async shareScreen(): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    const track = screen.getVideoTracks()[0];
    if (!track) return;
    track.contentHint = "detail";
    track.addEventListener("ended", () => this.stopScreen());
    update((x) => ({ ...x, screen }));
    if (this.screenSender) {
      // The server knows this sender's track as the screen already.
      await this.screenSender.replaceTrack(track);
      return;
    }
    const tr = pc.addTransceiver(track, { direction: "sendonly", streams: [callStore.get()?.local ?? screen] });
    this.screenSender = tr.sender;
    this.sources.set(track.id, "screen");
    await this.negotiate();
  }

  stopScreen(): void {
    const s = callStore.get();
    for (const t of s?.screen?.getTracks() ?? []) t.stop();
    void this.screenSender?.replaceTrack(null).catch(() => undefined);
    update((x) => ({ ...x, screen: undefined }));
  }

  askScreen(userId: string): void {
    update((x) => ({ ...x, screenAnswer: undefined }));
    void this.request({ type: "call.screen_request", user_id: userId }).catch(() => undefined);
  }

  /** Answers a screen share request; accepting shares the screen (this click is the consent). */
  async answerScreen(accept: boolean): Promise<void> {
    const ask = callStore.get()?.screenAsk;
    update((x) => ({ ...x, screenAsk: undefined }));
    if (!ask) return;
    if (!accept) {
      sendCallFrame({ type: "call.screen_decline", request_id: ask.requestId });
      return;
    }
    try {
      await this.shareScreen();
      sendCallFrame({ type: "call.screen_accept", request_id: ask.requestId });
    } catch {
      // The person cancelled the browser's screen picker: that is a no.
      sendCallFrame({ type: "call.screen_decline", request_id: ask.requestId });
    }
  }

  leave(): void {
    sendCallFrame({ type: "call.leave" });
    this.teardown(true);
  }

  /** The websocket came back (the server took us out with the old one) or ICE failed: join again with the same media. */
  async rejoin(): Promise<void> {
    const s = callStore.get();
    if (!s || !this.opts) return;
    await this.join(s.channelId, this.opts, s.local).catch(() => undefined);
  }

  teardown(stopMedia: boolean, keepState = false): void {
    this.gen++;
    this.closePC();
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.noteTimer) clearInterval(this.noteTimer);
    this.statsTimer = this.noteTimer = undefined;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.fail(new Error("left"));
    }
    this.waiting.clear();
    const s = callStore.get();
    if (stopMedia || !keepState) {
      for (const t of s?.local?.getTracks() ?? []) t.stop();
      for (const t of s?.screen?.getTracks() ?? []) t.stop();
    }
    void this.audioCtx?.close().catch(() => undefined);
    this.audioCtx = this.analyser = undefined;
    this.lastStats.clear();
    this.lastFrames.clear();
    this.serverSpeaker = undefined;
    if (!keepState) {
      callStore.set(undefined);
      sessionStorage.removeItem(rejoinKey);
      this.opts = undefined;
    }
  }

  private closePC(): void {
    const pc = this.pc;
    this.pc = undefined;
    // An offer of this connection waits for its answer without a time limit: it ends with the connection.
    const w = this.awaitingAnswer ? this.waiting.get(this.awaitingAnswer) : undefined;
    if (w) {
      this.waiting.delete(this.awaitingAnswer);
      w.fail(new Error("the call connection was closed"));
    }
    if (pc) {
      pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
      pc.close();
    }
  }

  private writeNote(): void {
    const s = callStore.get();
    if (!s || !this.opts) return;
    const note: Rejoin = { ...this.opts, channelId: s.channelId, at: Date.now() };
    try {
      sessionStorage.setItem(rejoinKey, JSON.stringify(note));
    } catch {
      // Storage full or off: a reload then does not rejoin by itself.
    }
  }

  private startTimers(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.noteTimer) clearInterval(this.noteTimer);
    this.statsTimer = setInterval(() => void this.sample(), 1000);
    this.noteTimer = setInterval(() => this.writeNote(), 5000);
    const mic = callStore.get()?.local?.getAudioTracks()[0];
    if (mic && typeof AudioContext !== "undefined") {
      this.audioCtx = new AudioContext();
      this.analyser = this.audioCtx.createAnalyser();
      this.analyser.fftSize = 512;
      this.audioCtx.createMediaStreamSource(new MediaStream([mic])).connect(this.analyser);
    }
  }

  /** Once a second: levels, the speaker, bytes and frames per received track, the connection's quality. */
  private async sample(): Promise<void> {
    const pc = this.pc;
    const s = callStore.get();
    if (!pc || !s) return;
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch {
      return;
    }
    if (this.pc !== pc) return;
    const byTrack = new Map(s.remote.map((r) => [r.track.id, r]));
    const levels = new Map<string, number>();
    const bytes = new Map<string, number>();
    const flowing = new Set<string>();
    const now = Date.now();
    let received = 0;
    let lost = 0;
    let jitter = 0;
    let rtt: number | undefined;
    let pairId: string | undefined;
    report.forEach((st: Record<string, unknown>) => {
      if (st.type === "transport" && typeof st.selectedCandidatePairId === "string") pairId = st.selectedCandidatePairId;
    });
    report.forEach((st: Record<string, unknown>) => {
      if (st.type === "candidate-pair" && (st.id === pairId || (!pairId && st.nominated === true && st.state === "succeeded"))) {
        if (typeof st.currentRoundTripTime === "number") rtt = st.currentRoundTripTime;
      }
      if (st.type !== "inbound-rtp") return;
      const trackId = typeof st.trackIdentifier === "string" ? st.trackIdentifier : "";
      const r = byTrack.get(trackId);
      const pr = Number(st.packetsReceived ?? 0);
      const pl = Math.max(0, Number(st.packetsLost ?? 0));
      const key = String(st.id);
      const prev = this.lastStats.get(key) ?? { received: 0, lost: 0 };
      received += Math.max(0, pr - prev.received);
      lost += Math.max(0, pl - prev.lost);
      this.lastStats.set(key, { received: pr, lost: pl });
      jitter = Math.max(jitter, Number(st.jitter ?? 0));
      if (!r) return;
      // A reused receiver has a stats entry per stream it received: its bytes are their sum.
      bytes.set(trackId, (bytes.get(trackId) ?? 0) + Number(st.bytesReceived ?? 0));
      if (st.kind === "audio" && typeof st.audioLevel === "number") {
        levels.set(r.userId, Math.max(levels.get(r.userId) ?? 0, st.audioLevel));
      }
      if (st.kind === "video") {
        // By stream, not by receiver track: a new stream on a reused receiver counts its frames from 0 again.
        const frames = Number(st.framesDecoded ?? 0);
        const pf = this.lastFrames.get(key);
        if (!pf || frames > pf.frames) this.lastFrames.set(key, { frames, at: frames > 0 ? now : 0 });
        const at = this.lastFrames.get(key)?.at ?? 0;
        if (at > 0 && now - at < stallMs) flowing.add(trackId);
      }
    });
    const me = currentUserId();
    if (this.analyser && !s.muted) {
      const buf = new Float32Array(this.analyser.fftSize);
      this.analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      levels.set(me, Math.min(1, Math.sqrt(sum / buf.length) * 2));
    }
    const quality = classifyQuality({ rtt, received, lost, jitter });
    const server = this.serverSpeaker && now - this.serverSpeaker.at < 3000 ? this.serverSpeaker.userId || undefined : undefined;
    update((x) => ({ ...x, levels, bytes, flowing, quality, speaker: server ?? pickSpeaker(levels, x.speaker) }));
  }
}

/** call.joined's ice_servers (RTCIceServer shapes), checked field by field. */
function iceServers(v: unknown): RTCIceServer[] {
  if (!Array.isArray(v)) return [];
  const out: RTCIceServer[] = [];
  for (const x of v as Record<string, unknown>[]) {
    const urls = Array.isArray(x?.urls) ? x.urls.filter((u): u is string => typeof u === "string") : [];
    if (urls.length === 0) continue;
    out.push({ urls, username: typeof x.username === "string" ? x.username : undefined, credential: typeof x.credential === "string" ? x.credential : undefined });
  }
  return out;
}

/** Opens the microphone and camera (the ones chosen, else the defaults); with what works when one fails. */
export async function openMedia(audioId?: string, videoId?: string): Promise<MediaStream> {
  // A tile is small: 640×360 at up to 24 frames a second is plenty, and spares everyone's CPU.
  const camera: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
  const audio: MediaTrackConstraints | boolean = audioId ? { deviceId: { ideal: audioId } } : true;
  const video: MediaTrackConstraints | boolean = videoId ? { deviceId: { ideal: videoId }, ...camera } : camera;
  for (const c of [{ audio, video }, { audio, video: false }, { audio: false, video }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(c);
    } catch {
      // Try with less: no camera, no microphone, or one of them refused.
    }
  }
  return new MediaStream();
}

export const engine = new Engine();

function ring(c: Call): void {
  ringing.set(c);
  requestPeople([c.started_by]);
  const locale = resolveLocale(localePref.store.get());
  const name = nameOf(peopleStore.get().get(c.started_by), "");
  void notify({ title: translate(locale, "call.ringTitle"), body: translate(locale, "call.notifyRing", { name }), tag: `call-${c.id}`, url: `/c/${encodeURIComponent(c.channel_id)}` });
}

let started = false;
let connectedOnce = false;

/** Wires calls to the websocket (the shell calls it once); rejoins a call the tab was in before a reload. */
export function startCalls(): () => void {
  if (started) return () => undefined;
  started = true;
  let pending = typeof sessionStorage !== "undefined" ? parseRejoin(sessionStorage.getItem(rejoinKey), Date.now()) : undefined;
  const offs = [
    onFrame((f) => engine.frame(f as { type: string; payload?: unknown })),
    onAnyEvent((ev) => {
      if (ev.type !== "call.started" && ev.type !== "call.updated" && ev.type !== "call.ended") return;
      const c = ev.payload;
      setLive(c);
      const s = callStore.get();
      if (ev.type === "call.ended") {
        if (ringing.get()?.id === c.id) ringing.set(undefined);
        if (s?.channelId === c.channel_id && s.call?.id === c.id) {
          lastNotice.set("ended");
          engine.teardown(true);
        }
        return;
      }
      if (ev.type === "call.started" && c.started_by !== currentUserId() && !s) {
        const known = channelsStore.get().byId.get(c.channel_id);
        // A DM opened a moment ago may not be in the list yet: ask for it.
        void (known ? Promise.resolve(known) : refreshChannel(c.channel_id)).then((ch) => {
          if (ch && isDirect(ch) && !callStore.get() && liveCalls.get().get(c.channel_id)?.id === c.id) ring(c);
        });
      }
      // Someone else who started a DM call and left again: stop ringing.
      const r = ringing.get();
      if (r?.id === c.id && !(c.participants ?? []).length) ringing.set(undefined);
    }),
    onConnected(() => {
      const s = callStore.get();
      if (pending) {
        const p = pending;
        pending = undefined;
        void engine.join(p.channelId, p).catch(() => undefined);
      } else if (s && connectedOnce) {
        // A new connection: the server took us out of the call with the old one.
        void engine.rejoin();
      }
      connectedOnce = true;
    }),
  ];
  const onHide = () => {
    const s = callStore.get();
    if (s) sessionStorage.setItem(rejoinKey, JSON.stringify({ ...parseRejoin(sessionStorage.getItem(rejoinKey), Date.now()), channelId: s.channelId, at: Date.now() }));
  };
  window.addEventListener("pagehide", onHide);
  return () => {
    for (const off of offs) off();
    window.removeEventListener("pagehide", onHide);
    started = false;
  };
}
