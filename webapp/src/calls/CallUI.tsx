// The call screens: the call button and the live-call bar of a channel,
// the pre-join check, the call itself (grid, screen share, controls),
// a DM call ringing, and a request to share my screen.

import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from "react";
import type { User } from "../api/client";
import { useStore } from "../base/store";
import { Dialog } from "../components/Dialog";
import { useT, type MessageKey } from "../i18n";
import { nameOf, peopleStore, requestPeople } from "../chat/people";
import { channelsStore, onReload } from "../chat/runtime";
import { channelLabel } from "../chat/ui/names";
import type { Channel } from "../chat/unread";
import { callStore, engine, lastNotice, liveCalls, loadLiveCall, openMedia, preJoin, ringing, startCalls, type InCall, type Participant, type RemoteTrack } from "./engine";
import { callShortcut } from "./logic";
import "./calls.css";

const paths: Record<string, string> = {
  phone: "M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1l-2.2 2.2Z",
  mic: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3ZM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21",
  micOff: "M12 3a3 3 0 0 0-3 3v6a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3ZM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21M4 4l16 16",
  camera: "M3 7h12v10H3V7Zm12 3.5L21 7v10l-6-3.5",
  cameraOff: "M3 7h12v10H3V7Zm12 3.5L21 7v10l-6-3.5M3 3l18 18",
  screen: "M3 4h18v12H3V4Zm6 16h6M12 16v4",
  hand: "M8 13V5.5a1.5 1.5 0 0 1 3 0V11m0-6.5a1.5 1.5 0 0 1 3 0V11m0-5a1.5 1.5 0 0 1 3 0v7c0 4-2.5 7-6.5 7S6 17 5 15l-2-4a1.5 1.5 0 0 1 2.6-1.5L8 13",
  leave: "M10 17l5-5-5-5M15 12H3M14 4h6v16h-6",
};

function CallIcon({ name }: { name: keyof typeof paths }) {
  return (
    <svg className="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** Keeps a channel's live call known while it is on screen. */
function useLiveCall(channelId: string) {
  useEffect(() => {
    void loadLiveCall(channelId);
    return onReload(() => void loadLiveCall(channelId));
  }, [channelId]);
  const live = useStore(liveCalls).get(channelId);
  const mine = useStore(callStore);
  return { live, inThis: mine?.channelId === channelId };
}

/** The channel header's call button: start a call (the pre-join check first). */
export function CallButton({ channel }: { channel: Channel }) {
  const t = useT();
  const { live, inThis } = useLiveCall(channel.id);
  if (channel.archived_at || live || inThis) return null;
  return (
    <button type="button" className="btn btn-small" onClick={() => preJoin.set(channel.id)}>
      <CallIcon name="phone" /> {t("call.start")}
    </button>
  );
}

/** A call running in the channel: who is in it, and a join button. */
export function LiveCallBar({ channel }: { channel: Channel }) {
  const t = useT();
  const { live, inThis } = useLiveCall(channel.id);
  const people = useStore(peopleStore);
  const ids = (live?.participants ?? []).map((p) => p.user_id);
  useEffect(() => requestPeople(ids), [ids.join(",")]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!live) return null;
  const names = ids.map((id) => nameOf(people.get(id))).join(", ");
  return (
    <div className="call-live" role="region" aria-label={t("call.liveLabel")}>
      <CallIcon name="phone" />
      <span className="call-live-text">
        {t("call.live", { count: ids.length })}
        {names && <span className="muted"> · {names}</span>}
      </span>
      {inThis ? (
        <span className="badge badge-ok">{t("call.youAreIn")}</span>
      ) : (
        <button type="button" className="btn btn-primary btn-small" onClick={() => preJoin.set(channel.id)}>
          {t("call.join")}
        </button>
      )}
    </div>
  );
}

/** The shell's part: everything of a call that is not in a channel's header. */
export function CallLayer({ user }: { user: User }) {
  useEffect(() => startCalls(), []);
  const call = useStore(callStore);
  const pre = useStore(preJoin);
  const ring = useStore(ringing);
  const notice = useStore(lastNotice);
  const t = useT();

  useEffect(() => {
    if (!call) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const k = callShortcut(e);
      if (!k) return;
      e.preventDefault();
      const s = callStore.get();
      if (!s) return;
      if (k === "mute") engine.setMuted(!s.muted);
      else engine.setCameraOff(!s.cameraOff);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [!!call]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <>
      {pre && <PreJoin channelId={pre} user={user} />}
      {ring && !call && <Ringing channelId={ring.channel_id} from={ring.started_by} />}
      {call && <CallView call={call} user={user} />}
      {call?.screenAsk && <ScreenAsk from={call.screenAsk.from} />}
      {notice && !call && (
        <div className="call-toast" role="status">
          {t(`call.notice.${notice}` as MessageKey)}{" "}
          <button type="button" className="btn btn-small" onClick={() => lastNotice.set(undefined)}>
            {t("common.close")}
          </button>
        </div>
      )}
    </>
  );
}

function useChannelLabel(channelId: string, user: User): string {
  const t = useT();
  const ch = useStore(channelsStore).byId.get(channelId);
  const people = useStore(peopleStore);
  return ch ? channelLabel(ch, user.id, people, t) : "";
}

/** Camera, microphone and speaker choice with a preview and a level meter, before joining. */
function PreJoin({ channelId, user }: { channelId: string; user: User }) {
  const t = useT();
  const label = useChannelLabel(channelId, user);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [audioId, setAudioId] = useState<string>("");
  const [videoId, setVideoId] = useState<string>("");
  const [speakerId, setSpeakerId] = useState<string>(() => localStorage.getItem("kontor.speaker") ?? "");
  const [stream, setStream] = useState<MediaStream | undefined>();
  const [level, setLevel] = useState(0);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const kept = useRef(false);
  const video = useRef<HTMLVideoElement>(null);
  const ids = { mic: useId(), cam: useId(), spk: useId(), lvl: useId() };

  useEffect(() => {
    let live = true;
    let opened: MediaStream | undefined;
    void openMedia(audioId || undefined, videoId || undefined).then(async (s) => {
      if (!live) {
        for (const tr of s.getTracks()) tr.stop();
        return;
      }
      opened = s;
      setStream(s);
      const list = await navigator.mediaDevices.enumerateDevices().catch(() => []);
      if (live) setDevices(list);
    });
    return () => {
      live = false;
      if (opened && !kept.current) for (const tr of opened.getTracks()) tr.stop();
    };
  }, [audioId, videoId]);

  useEffect(() => {
    if (video.current) video.current.srcObject = stream ?? null;
    const mic = stream?.getAudioTracks()[0];
    if (!mic || typeof AudioContext === "undefined") return;
    const ctx = new AudioContext();
    const an = ctx.createAnalyser();
    an.fftSize = 512;
    ctx.createMediaStreamSource(new MediaStream([mic])).connect(an);
    const buf = new Float32Array(an.fftSize);
    const timer = setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      setLevel(Math.min(1, Math.sqrt(sum / buf.length) * 4));
    }, 150);
    return () => {
      clearInterval(timer);
      void ctx.close().catch(() => undefined);
    };
  }, [stream]);

  const close = () => preJoin.set(undefined);
  const join = () => {
    setBusy(true);
    setFailed(false);
    kept.current = true;
    if (speakerId) localStorage.setItem("kontor.speaker", speakerId);
    const a = stream?.getAudioTracks()[0]?.getSettings().deviceId;
    const v = stream?.getVideoTracks()[0]?.getSettings().deviceId;
    engine
      .join(channelId, { channelId, at: Date.now(), audioId: a, videoId: v }, stream)
      .then(() => preJoin.set(undefined))
      .catch(() => {
        kept.current = false;
        setFailed(true);
        setBusy(false);
        setStream(undefined);
        setAudioId((x) => x); // reopen the devices
      });
  };
  const mics = devices.filter((d) => d.kind === "audioinput");
  const cams = devices.filter((d) => d.kind === "videoinput");
  const spks = devices.filter((d) => d.kind === "audiooutput");
  const devName = (d: MediaDeviceInfo, i: number) => d.label || `${d.kind} ${i + 1}`;
  return (
    <Dialog
      title={t("call.prejoinTitle", { name: label })}
      open
      onClose={close}
      footer={
        <>
          <button type="button" className="btn" onClick={close}>
            {t("common.cancel")}
          </button>
          <button type="button" className="btn btn-primary" data-autofocus disabled={busy || !stream} onClick={join}>
            {t("call.joinNow")}
          </button>
        </>
      }
    >
      <div className="call-prejoin">
        <video ref={video} className="call-preview" autoPlay playsInline muted aria-label={t("call.preview")} />
        <div className="call-devices">
          <label htmlFor={ids.mic}>{t("call.microphone")}</label>
          <select id={ids.mic} className="input" value={audioId || stream?.getAudioTracks()[0]?.getSettings().deviceId || ""} onChange={(e) => setAudioId(e.target.value)}>
            {mics.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {devName(d, i)}
              </option>
            ))}
          </select>
          <label htmlFor={ids.lvl}>{t("call.level")}</label>
          <meter id={ids.lvl} className="call-meter" min={0} max={1} low={0.1} high={0.8} optimum={0.5} value={level} />
          <label htmlFor={ids.cam}>{t("call.camera")}</label>
          <select id={ids.cam} className="input" value={videoId || stream?.getVideoTracks()[0]?.getSettings().deviceId || ""} onChange={(e) => setVideoId(e.target.value)}>
            {cams.map((d, i) => (
              <option key={d.deviceId || i} value={d.deviceId}>
                {devName(d, i)}
              </option>
            ))}
          </select>
          <label htmlFor={ids.spk}>{t("call.speaker")}</label>
          <select id={ids.spk} className="input" value={speakerId} onChange={(e) => setSpeakerId(e.target.value)}>
            <option value="">{t("call.speakerDefault")}</option>
            {spks
              .filter((d) => d.deviceId && d.deviceId !== "default")
              .map((d, i) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {devName(d, i)}
                </option>
              ))}
          </select>
        </div>
        {stream && stream.getTracks().length === 0 && <p className="muted">{t("call.noDevices")}</p>}
        {failed && (
          <p className="alert alert-error" role="alert">
            {t("call.joinFailed")}
          </p>
        )}
      </div>
    </Dialog>
  );
}

/** A DM call for me: accept (join now with my default devices) or decline. */
function Ringing({ channelId, from }: { channelId: string; from: string }) {
  const t = useT();
  const people = useStore(peopleStore);
  useEffect(() => requestPeople([from]), [from]);
  const name = nameOf(people.get(from));
  const decline = () => ringing.set(undefined);
  const accept = () => {
    ringing.set(undefined);
    void engine.join(channelId, { channelId, at: Date.now() }).catch(() => undefined);
  };
  return (
    <Dialog
      title={t("call.ringTitle")}
      open
      onClose={decline}
      footer={
        <>
          <button type="button" className="btn btn-danger" onClick={decline}>
            {t("call.decline")}
          </button>
          <button type="button" className="btn btn-primary" data-autofocus onClick={accept}>
            {t("call.accept")}
          </button>
        </>
      }
    >
      <p className="call-ring" role="alert">
        <CallIcon name="phone" /> {t("call.ringText", { name })}
      </p>
    </Dialog>
  );
}

/** Someone asks me to share my screen: nothing is shared unless I click Share. */
function ScreenAsk({ from }: { from: string }) {
  const t = useT();
  const people = useStore(peopleStore);
  const name = nameOf(people.get(from));
  return (
    <Dialog
      title={t("call.screenAskTitle")}
      open
      onClose={() => void engine.answerScreen(false)}
      footer={
        <>
          <button type="button" className="btn" onClick={() => void engine.answerScreen(false)}>
            {t("call.screenDecline")}
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void engine.answerScreen(true)}>
            {t("call.screenAccept")}
          </button>
        </>
      }
    >
      <p>{t("call.screenAskText", { name })}</p>
    </Dialog>
  );
}

function MediaVideo({ stream, label, mirrored, dataset }: { stream: MediaStream; label: string; mirrored?: boolean; dataset?: Record<string, string> }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  const data = Object.fromEntries(Object.entries(dataset ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return <video ref={ref} className={mirrored ? "mirrored" : undefined} autoPlay playsInline muted aria-label={label} {...data} />;
}

/** Plays a participant's voice; a browser that blocks sound until a click gets a button. */
function RemoteAudio({ track, sinkId, onBlocked }: { track: MediaStreamTrack; sinkId: string; onBlocked: () => void }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const a = ref.current;
    if (!a) return;
    a.srcObject = new MediaStream([track]);
    const withSink = a as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (sinkId && withSink.setSinkId) void withSink.setSinkId(sinkId).catch(() => undefined);
    a.play().catch(onBlocked);
  }, [track, sinkId, onBlocked]);
  return <audio ref={ref} autoPlay />;
}

function Tile({ userId, name, p, video, me, speaking, bytes, children }: { userId: string; name: string; p?: Participant; video?: { stream: MediaStream; id: string }; me: boolean; speaking: boolean; bytes?: number; children?: ReactNode }) {
  const t = useT();
  const initials = name
    .split(/\s+/)
    .map((w) => w[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <li className={`call-tile${speaking ? " speaking" : ""}`} data-user={userId} data-bytes={bytes ?? 0} aria-label={name + (speaking ? ` (${t("call.speaking")})` : "")}>
      {video ? (
        <MediaVideo stream={video.stream} label={t("call.videoOf", { name })} mirrored={me} dataset={{ user: userId, source: "camera", track: video.id }} />
      ) : (
        <span className="call-avatar" aria-hidden="true">
          {initials || "?"}
        </span>
      )}
      <span className="call-name">
        {name}
        {p?.muted && (
          <span className="call-flag" title={t("call.muted")}>
            <CallIcon name="micOff" />
            <span className="sr-only">{t("call.muted")}</span>
          </span>
        )}
        {p?.hand && (
          <span className="call-flag" title={t("call.handRaised")}>
            <CallIcon name="hand" />
            <span className="sr-only">{t("call.handRaised")}</span>
          </span>
        )}
      </span>
      {children}
    </li>
  );
}

function CallView({ call: s, user }: { call: InCall; user: User }) {
  const t = useT();
  const label = useChannelLabel(s.channelId, user);
  const people = useStore(peopleStore);
  const [min, setMin] = useState(false);
  const [soundBlocked, setSoundBlocked] = useState(false);
  const sink = typeof localStorage !== "undefined" ? (localStorage.getItem("kontor.speaker") ?? "") : "";
  const participants = s.call?.participants ?? [];
  const others = participants.filter((p) => p.user_id !== user.id);
  useEffect(() => requestPeople(participants.map((p) => p.user_id)), [participants.map((p) => p.user_id).join(",")]); // eslint-disable-line react-hooks/exhaustive-deps
  const mine = participants.find((p) => p.user_id === user.id);
  const blocked = useMemo(() => () => setSoundBlocked(true), []);

  const byUser = (uid: string, source: string): RemoteTrack | undefined => s.remote.find((r) => r.userId === uid && r.source === source && r.track.kind === "video" && s.flowing.has(r.track.id));
  const screens = s.remote.filter((r) => r.source === "screen" && s.flowing.has(r.track.id));
  const shared = screens[0];
  const audios = s.remote.filter((r) => r.track.kind === "audio");
  const localVideo = s.local?.getVideoTracks()[0];
  const qualityKey = `call.quality.${s.quality}` as MessageKey;

  const controls = (
    <div className="call-controls" role="toolbar" aria-label={t("call.controls")}>
      <button type="button" className={`btn${s.muted ? " btn-danger" : ""}`} aria-pressed={s.muted} aria-keyshortcuts="Control+Shift+M" onClick={() => engine.setMuted(!s.muted)}>
        <CallIcon name={s.muted ? "micOff" : "mic"} /> {s.muted ? t("call.unmute") : t("call.mute")}
      </button>
      {localVideo && (
        <button type="button" className={`btn${s.cameraOff ? " btn-danger" : ""}`} aria-pressed={s.cameraOff} aria-keyshortcuts="Control+Shift+O" onClick={() => engine.setCameraOff(!s.cameraOff)}>
          <CallIcon name={s.cameraOff ? "cameraOff" : "camera"} /> {s.cameraOff ? t("call.cameraOn") : t("call.cameraOff")}
        </button>
      )}
      <button type="button" className="btn" aria-pressed={!!s.screen} onClick={() => (s.screen ? engine.stopScreen() : void engine.shareScreen().catch(() => undefined))}>
        <CallIcon name="screen" /> {s.screen ? t("call.stopShare") : t("call.share")}
      </button>
      <button type="button" className="btn" aria-pressed={s.hand} onClick={() => engine.setHand(!s.hand)}>
        <CallIcon name="hand" /> {s.hand ? t("call.lowerHand") : t("call.raiseHand")}
      </button>
      <button type="button" className="btn btn-danger" onClick={() => engine.leave()}>
        <CallIcon name="leave" /> {t("call.leave")}
      </button>
    </div>
  );

  return (
    <section className={`call-view${min ? " call-min" : ""}${shared ? " call-sharing" : ""}`} aria-label={t("call.regionLabel", { name: label })} data-phase={s.phase}>
      <header className="call-head">
        <h2>{label}</h2>
        <span className={`call-quality q-${s.quality}`} role="status" aria-label={t("call.qualityLabel", { quality: t(qualityKey) })}>
          <span className="call-bars" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {t(qualityKey)}
        </span>
        {s.phase !== "in-call" && <span className="badge">{t("call.connecting")}</span>}
        <span className="muted">{t("call.people", { count: participants.length })}</span>
        <button type="button" className="btn btn-small" aria-expanded={!min} onClick={() => setMin(!min)}>
          {min ? t("call.expand") : t("call.minimize")}
        </button>
      </header>
      {s.notice === "muted-by" && (
        <p className="call-note" role="status">
          {t("call.notice.muted-by")}
        </p>
      )}
      {s.screenAnswer && (
        <p className="call-note" role="status">
          {t(s.screenAnswer.accepted ? "call.screenAccepted" : "call.screenDeclined", { name: nameOf(people.get(s.screenAnswer.userId)) })}
        </p>
      )}
      {soundBlocked && (
        <p className="call-note">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setSoundBlocked(false);
              for (const a of document.querySelectorAll<HTMLAudioElement>(".call-view audio")) void a.play().catch(blocked);
            }}
          >
            {t("call.enableSound")}
          </button>
        </p>
      )}
      {!min && (
        <div className="call-body">
          {shared && (
            <div className="call-stage">
              <MediaVideo stream={shared.stream} label={t("call.screenOf", { name: nameOf(people.get(shared.userId)) })} dataset={{ user: shared.userId, source: "screen", track: shared.id }} />
            </div>
          )}
          <ul className="call-grid" aria-label={t("call.participants")}>
            <Tile userId={user.id} name={`${nameOf(people.get(user.id), user.display_name || user.username)} (${t("call.you")})`} p={mine ?? { user_id: user.id, muted: s.muted, hand: s.hand, joined_at: "", tracks: [] }} video={localVideo && !s.cameraOff && s.local ? { stream: s.local, id: localVideo.id } : undefined} me speaking={s.speaker === user.id} />
            {others.map((p) => {
              const cam = byUser(p.user_id, "camera");
              const camTrack = s.remote.find((r) => r.userId === p.user_id && r.source === "camera");
              const name = nameOf(people.get(p.user_id));
              const sharing = screens.some((r) => r.userId === p.user_id);
              return (
                <Tile key={p.user_id} userId={p.user_id} name={name} p={p} video={cam ? { stream: cam.stream, id: cam.id } : undefined} me={false} speaking={s.speaker === p.user_id} bytes={camTrack ? s.bytes.get(camTrack.track.id) : undefined}>
                  {!sharing && (
                    <button type="button" className="btn btn-small call-ask" onClick={() => engine.askScreen(p.user_id)}>
                      {t("call.askScreen", { name })}
                    </button>
                  )}
                </Tile>
              );
            })}
          </ul>
        </div>
      )}
      {audios.map((r) => (
        <RemoteAudio key={r.track.id} track={r.track} sinkId={sink} onBlocked={blocked} />
      ))}
      {controls}
    </section>
  );
}
