// One-to-one voice and video calls (WebRTC). The server keeps each call's
// state and relays signalling between the two devices in it; this module
// shows the incoming call on every tab, the call screen with its controls,
// and runs the peer connection of the tab that placed or accepted the call.
import { CallSignalKind, CallState, type Call, type CallSignal, type IceServer } from "../gen/hongyan/v1/call_pb.js";
import { app } from "../lib/app";
import { ApiError } from "../lib/conn";
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { key } from "../lib/store";
import { I } from "./icons";
import { endText, mmss } from "./msgtext";
import { avatar, errorText, iconButton, toast } from "./widgets";

interface Active {
  call: Call;
  offerer: boolean; // placed here: sends the offer once accepted
  ice: IceServer[];
  local: MediaStream;
  pc?: RTCPeerConnection;
  early: CallSignal[]; // signals before the peer connection exists
  pending: RTCIceCandidateInit[]; // candidates before the remote description
  haveRemote: boolean;
  negotiated: boolean; // the first offer/answer is done: later changes renegotiate
  muted: boolean;
  cameraOff: boolean;
  started?: number;
  timer?: number;
  keep?: number;
  box: HTMLElement;
  // Audio output: speaker (loud) or earpiece, where the browser can
  // choose (see outputs); undefined: not offered.
  speaker?: boolean;
  outputs: MediaDeviceInfo[];
  // The connection failed: ICE restarts, and the call fails only if it
  // does not come back by this timer.
  failTimer?: number;
}

let active: Active | undefined;
const incoming = new Map<string, HTMLElement>(); // ringing calls shown on this tab

// Voice: Opus at 8 kbit/s at most (wideband speech stays clear; a quiet
// line with DTX sends a frame every 400 ms), in 40 ms packets (half the
// packets, and their headers, of 20 ms ones), in-band FEC on so that a
// lost packet is rebuilt from the next. A video call's audio gets more.
export const VOICE_AUDIO_BPS = 8000;
const VIDEO_AUDIO_BPS = 24000;
const VOICE_PTIME = 40;
// Video: at most this, and the browser lowers the frame rate and the
// resolution together ("balanced") when the bandwidth estimate falls.
const VIDEO_BPS = 800_000;

// tuneOpus sets Opus's parameters on a local description. Each side's
// fmtp says what it wants to receive, so both sides send in-band FEC,
// DTX and at most maxaveragebitrate.
function tuneOpus(sdp: string, video: boolean): string {
  const m = /a=rtpmap:(\d+) opus\/48000[^\r\n]*/i.exec(sdp);
  if (!m) return sdp;
  const bps = video ? VIDEO_AUDIO_BPS : VOICE_AUDIO_BPS;
  let out = sdp.replace(new RegExp(`a=fmtp:${m[1]} ([^\\r\\n]*)`), (_line, params: string) => {
    const kv = params.split(";").filter((x) => x && !/^(useinbandfec|usedtx|maxaveragebitrate|stereo|sprop-stereo)=/.test(x.trim()));
    kv.push("useinbandfec=1", "usedtx=1", `maxaveragebitrate=${bps}`, "stereo=0", "sprop-stereo=0");
    return `a=fmtp:${m[1]} ${kv.join(";")}`;
  });
  if (!video && !/a=ptime:/.test(out)) out = out.replace(m[0], `${m[0]}\r\na=ptime:${VOICE_PTIME}`);
  return out;
}

// tuneSenders caps what this side sends: the audio bitrate (as the fmtp
// asks the other side), and the video's bitrate and how it degrades.
async function tuneSenders(a: Active): Promise<void> {
  for (const s of a.pc?.getSenders() ?? []) {
    const kind = s.track?.kind;
    if (!kind) continue;
    try {
      const p = s.getParameters();
      if (!p.encodings?.length) continue;
      for (const e of p.encodings) e.maxBitrate = kind === "audio" ? (a.call.video ? VIDEO_AUDIO_BPS : VOICE_AUDIO_BPS) : VIDEO_BPS;
      if (kind === "video") (p as RTCRtpSendParameters & { degradationPreference?: string }).degradationPreference = "balanced";
      await s.setParameters(p);
      const got = s.getParameters() as RTCRtpSendParameters & { degradationPreference?: string };
      a.box.dataset[`${kind}MaxBitrate`] = String(got.encodings[0]?.maxBitrate ?? "");
      if (kind === "video") a.box.dataset.videoDegradation = got.degradationPreference ?? "";
    } catch {
      /* not yet negotiated, or not supported: the fmtp still applies */
    }
  }
}

// Audio output: a phone's browser may let the page choose between the
// loudspeaker and the earpiece (setSinkId on the element that plays, or
// the chooser of selectAudioOutput). Where it cannot, nothing is offered.
const canSink = typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
const canSelect = () => typeof (navigator.mediaDevices as { selectAudioOutput?: unknown } | undefined)?.selectAudioOutput === "function";

async function findOutputs(a: Active): Promise<void> {
  // Phones and tablets only: a desktop's outputs are not an ear and a
  // loudspeaker.
  if (!canSink || !window.matchMedia?.("(pointer: coarse)").matches) return;
  try {
    a.outputs = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audiooutput" && d.deviceId);
  } catch {
    a.outputs = [];
  }
  if (a.outputs.length >= 2 || canSelect()) {
    a.speaker = a.call.video; // a voice call starts at the ear, a video call aloud
    if (active === a) render();
    void applyOutput(a, false);
  }
}

// outputFor picks the device for the speaker or the earpiece by its label
// (on phones "Speakerphone"/"Earpiece" or the like), else by position.
function outputFor(a: Active, speaker: boolean): string | undefined {
  const re = speaker ? /speaker|扬声器|loud/i : /earpiece|receiver|handset|听筒|phone call|communications/i;
  const named = a.outputs.find((d) => re.test(d.label) || re.test(d.deviceId));
  if (named) return named.deviceId;
  const rest = a.outputs.filter((d) => d.deviceId !== "default" && d.deviceId !== "communications");
  if (speaker) return a.outputs.find((d) => d.deviceId === "default")?.deviceId ?? rest[0]?.deviceId;
  return rest[rest.length - 1]?.deviceId;
}

async function applyOutput(a: Active, choose: boolean): Promise<void> {
  const el = a.box.querySelector<HTMLMediaElement>("video.call-remote") as (HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> }) | null;
  if (!el?.setSinkId || a.speaker === undefined) return;
  let id = outputFor(a, a.speaker);
  if (choose && canSelect() && (!id || a.outputs.length < 2)) {
    try {
      const md = navigator.mediaDevices as unknown as { selectAudioOutput: () => Promise<MediaDeviceInfo> };
      id = (await md.selectAudioOutput()).deviceId;
    } catch {
      return; // the chooser was dismissed
    }
  }
  if (!id) return;
  try {
    await el.setSinkId(id);
    a.box.dataset.audioOutput = id;
  } catch {
    /* the device went away: the current output stays */
  }
}

async function getMedia(video: boolean): Promise<MediaStream | undefined> {
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: true, video });
  } catch (e) {
    toast(t("c_no_media", e instanceof Error ? e.message : String(e)), "error");
    return undefined;
  }
}

function signal(call: bigint, s: Partial<CallSignal>): void {
  app.conn.done("callSignal", { call, ...s }).catch(() => {
    /* a candidate lost: others remain; an offer lost fails the call by timeout */
  });
}

// placeCall calls a friend from this tab.
export async function placeCall(peer: bigint, video: boolean): Promise<void> {
  if (active) return;
  const local = await getMedia(video);
  if (!local) return;
  try {
    const s = await app.conn.call("callPlace", { peer, video }, "callSession");
    const c = s.call!;
    if (c.state === CallState.ENDED) {
      local.getTracks().forEach((x) => x.stop());
      toast(endText(c.end, true), "error");
      return;
    }
    active = newActive(c, true, s.iceServers, local);
    render();
  } catch (e) {
    local.getTracks().forEach((x) => x.stop());
    toast(errorText(e), "error");
  }
}

function newActive(call: Call, offerer: boolean, ice: IceServer[], local: MediaStream): Active {
  const box = h("div", { class: "call-screen", attrs: { role: "dialog", "aria-modal": "true", "aria-label": t(call.video ? "c_video" : "c_voice") }, data: { call: String(call.id) } });
  document.body.appendChild(box);
  const a: Active = { call, offerer, ice, local, early: [], pending: [], haveRemote: false, negotiated: false, muted: false, cameraOff: false, box, outputs: [] };
  void findOutputs(a);
  a.keep = window.setInterval(() => {
    if (a.call.state === CallState.ACTIVE) app.conn.done("callKeepalive", { call: a.call.id }).catch(() => {});
  }, 15000);
  a.timer = window.setInterval(() => void tick(a), 1000);
  return a;
}

async function accept(c: Call): Promise<void> {
  dismiss(c.id);
  if (active) return;
  const local = await getMedia(c.video);
  if (!local) return void app.conn.done("callDecline", { call: c.id }).catch(() => {});
  try {
    const s = await app.conn.call("callAccept", { call: c.id }, "callSession");
    active = newActive(s.call!, false, s.iceServers, local);
    connect(active);
    render();
  } catch (e) {
    local.getTracks().forEach((x) => x.stop());
    toast(e instanceof ApiError && e.reason === "answered_elsewhere" ? t("c_answered_elsewhere") : errorText(e), "error");
  }
}

// connect makes the peer connection; the offerer sends its offer.
function connect(a: Active): void {
  const pc = new RTCPeerConnection({
    iceServers: a.ice.map((s) => ({ urls: s.urls, username: s.username || undefined, credential: s.credential || undefined })),
  });
  a.pc = pc;
  for (const tr of a.local.getTracks()) pc.addTrack(tr, a.local);
  pc.onicecandidate = (ev) => {
    if (!ev.candidate || !ev.candidate.candidate) return;
    signal(a.call.id, { kind: CallSignalKind.CANDIDATE, candidate: ev.candidate.candidate, mid: ev.candidate.sdpMid ?? "", mline: ev.candidate.sdpMLineIndex ?? 0 });
  };
  pc.ontrack = (ev) => {
    const stream = ev.streams[0] ?? new MediaStream([ev.track]);
    const v = a.box.querySelector<HTMLVideoElement>("video.call-remote");
    if (v && v.srcObject !== stream) v.srcObject = stream;
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") {
      window.clearTimeout(a.failTimer);
      a.failTimer = undefined;
      if (!a.started) {
        a.started = Date.now();
        render();
      }
    }
    // A bad network can fail ICE for a while (consent checks lost): the
    // placing side restarts ICE, and the call fails only if the
    // connection does not come back within ICE_GRACE_MS.
    if (pc.connectionState === "failed" && a.failTimer === undefined) {
      a.failTimer = window.setTimeout(() => {
        if (active === a && pc.connectionState !== "connected") void hangup(true);
      }, ICE_GRACE_MS);
      if (a.offerer && a.negotiated) pc.restartIce();
    }
  };
  pc.onnegotiationneeded = () => {
    if (a.negotiated) void offer(a);
  };
  if (a.offerer) void offer(a);
  for (const g of a.early.splice(0)) void onSignal(g);
}

// ICE_GRACE_MS is how long a failed connection has to come back.
const ICE_GRACE_MS = 20000;

async function offer(a: Active): Promise<void> {
  const pc = a.pc!;
  const o = await pc.createOffer();
  o.sdp = tuneOpus(o.sdp ?? "", a.call.video);
  await pc.setLocalDescription(o);
  signal(a.call.id, { kind: CallSignalKind.OFFER, sdp: o.sdp });
  void tuneSenders(a);
}

async function onSignal(g: CallSignal): Promise<void> {
  const a = active;
  if (!a || g.call !== a.call.id) return;
  if (!a.pc) return void a.early.push(g);
  const pc = a.pc;
  try {
    switch (g.kind) {
      case CallSignalKind.OFFER: {
        await pc.setRemoteDescription({ type: "offer", sdp: g.sdp });
        await flush(a);
        const ans = await pc.createAnswer();
        ans.sdp = tuneOpus(ans.sdp ?? "", a.call.video);
        await pc.setLocalDescription(ans);
        signal(a.call.id, { kind: CallSignalKind.ANSWER, sdp: ans.sdp });
        a.negotiated = true;
        void tuneSenders(a);
        break;
      }
      case CallSignalKind.ANSWER:
        await pc.setRemoteDescription({ type: "answer", sdp: g.sdp });
        await flush(a);
        a.negotiated = true;
        void tuneSenders(a);
        break;
      case CallSignalKind.CANDIDATE:
        if (!g.candidate) break;
        if (a.haveRemote) await pc.addIceCandidate({ candidate: g.candidate, sdpMid: g.mid, sdpMLineIndex: g.mline });
        else a.pending.push({ candidate: g.candidate, sdpMid: g.mid, sdpMLineIndex: g.mline });
        break;
    }
  } catch {
    /* a bad or late description: the connection state tells if it failed */
  }
}

async function flush(a: Active): Promise<void> {
  a.haveRemote = true;
  for (const c of a.pending.splice(0)) await a.pc!.addIceCandidate(c).catch(() => {});
}

async function hangup(failed = false): Promise<void> {
  const a = active;
  if (!a) return;
  try {
    const c = await app.conn.call("callHangup", { call: a.call.id, failed }, "call");
    finish(c);
  } catch {
    finish(a.call);
  }
}

// finish closes the call on this tab.
function finish(c: Call): void {
  const a = active;
  if (!a || a.call.id !== c.id) return;
  active = undefined;
  window.clearInterval(a.keep);
  window.clearInterval(a.timer);
  window.clearTimeout(a.failTimer);
  a.pc?.close();
  a.local.getTracks().forEach((x) => x.stop());
  a.box.remove();
  const dur = c.answered && c.ended ? Number(c.ended - c.answered) : 0;
  if (c.state === CallState.ENDED) toast(t("c_ended", endText(c.end, c.caller === app.me, dur)));
}

async function switchVideo(): Promise<void> {
  const a = active;
  if (!a || !a.pc) return;
  const video = !a.call.video;
  try {
    a.call = await app.conn.call("callVideo", { call: a.call.id, video }, "call");
  } catch (e) {
    return void toast(errorText(e), "error");
  }
  if (video) {
    const cam = await getMedia(true);
    const track = cam?.getVideoTracks()[0];
    if (track) {
      a.local.addTrack(track);
      a.pc.addTrack(track, a.local); // renegotiates
    }
  } else {
    for (const s of a.pc.getSenders()) {
      if (s.track?.kind === "video") {
        s.track.stop();
        a.local.removeTrack(s.track);
        a.pc.removeTrack(s);
      }
    }
  }
  render();
}

// tick shows the duration and how many bytes arrived and left (the call
// screen's data-inbound-bytes, data-audio-sent-bytes and
// data-audio-header-bytes: RTP payload and header bytes of the outbound
// audio; a quality hint and what the browser tests read).
async function tick(a: Active): Promise<void> {
  const el = a.box.querySelector("[data-call-status]");
  if (a.started && el) el.textContent = mmss(Date.now() - a.started);
  if (!a.pc) return;
  let bytes = 0;
  let audioSent = 0;
  let audioHeaders = 0;
  let audioPackets = 0;
  (await a.pc.getStats()).forEach((r: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number; headerBytesSent?: number; packetsSent?: number }) => {
    if (r.type === "inbound-rtp") bytes += r.bytesReceived ?? 0;
    if (r.type === "outbound-rtp" && r.kind === "audio") {
      audioSent += r.bytesSent ?? 0;
      audioHeaders += r.headerBytesSent ?? 0;
      audioPackets += r.packetsSent ?? 0;
    }
  });
  a.box.dataset.audioPackets = String(audioPackets);
  a.box.dataset.inboundBytes = String(bytes);
  a.box.dataset.audioSentBytes = String(audioSent);
  a.box.dataset.audioHeaderBytes = String(audioHeaders);
  a.box.dataset.statsAt = String(Date.now());
}

function render(): void {
  const a = active;
  if (!a) return;
  const c = a.call;
  const peer = c.caller === app.me ? c.callee : c.caller;
  const st = app.store!;
  const status =
    c.state === CallState.RINGING ? t("c_calling", st.name(peer)) : a.started ? mmss(Date.now() - a.started) : t("c_connecting");
  const audioTrack = a.local.getAudioTracks()[0];
  const videoTrack = a.local.getVideoTracks()[0];
  const button = (label: string, action: string, d: string, fn: () => void, cls = "") =>
    h("button", { class: `call-btn ${cls}`, attrs: { type: "button", "aria-label": label, title: label }, data: { action }, on: { click: fn } }, iconButton(d, label, () => {}).firstChild!, h("span", "call-btn-label", label));
  const remote = a.box.querySelector<HTMLVideoElement>("video.call-remote") ?? h("video", { class: "call-remote", attrs: { autoplay: true, playsinline: true } });
  const localV = a.box.querySelector<HTMLVideoElement>("video.call-local") ?? h("video", { class: "call-local", attrs: { autoplay: true, playsinline: true, muted: true } });
  if (localV.srcObject !== a.local) localV.srcObject = a.local;
  localV.muted = true;
  a.box.dataset.callState = c.state === CallState.RINGING ? "calling" : a.started ? "connected" : "connecting";
  a.box.dataset.video = String(c.video);
  replace(
    a.box,
    h("div", "call-peer", avatar(st.name(peer), st.profileOf(peer)?.avatar, "l"), h("div", "call-name", st.name(peer)), h("div", { class: "call-status", data: { callStatus: "" } }, status)),
    h("div", { class: `call-media ${c.video ? "with-video" : ""}` }, remote, c.video ? localV : ""),
    h(
      "div",
      "call-controls",
      button(a.muted ? t("c_unmute") : t("c_mute"), "call-mute", I.mic, () => {
        a.muted = !a.muted;
        if (audioTrack) audioTrack.enabled = !a.muted;
        render();
      }, a.muted ? "on" : ""),
      c.video
        ? button(a.cameraOff ? t("c_camera_on") : t("c_camera_off"), "call-camera", I.video, () => {
            a.cameraOff = !a.cameraOff;
            if (videoTrack) videoTrack.enabled = !a.cameraOff;
            render();
          }, a.cameraOff ? "on" : "")
        : "",
      a.speaker !== undefined
        ? button(a.speaker ? t("c_speaker") : t("c_earpiece"), "call-speaker", I.broadcast, () => {
            a.speaker = !a.speaker;
            render();
            void applyOutput(a, true);
          }, a.speaker ? "on" : "")
        : "",
      c.state === CallState.ACTIVE ? button(c.video ? t("c_to_voice") : t("c_to_video"), "call-switch", c.video ? I.phone : I.video, () => void switchVideo()) : "",
      button(t("c_hangup"), "call-hangup", I.phone, () => void hangup(), "hangup"),
    ),
  );
}

// showIncoming rings on this tab until answered (here or elsewhere),
// declined or over.
function showIncoming(c: Call): void {
  const st = app.store!;
  const who = st.name(c.caller);
  const box = h(
    "div",
    { class: "call-screen incoming", attrs: { role: "alertdialog", "aria-label": t(c.video ? "c_incoming_video" : "c_incoming_voice", who) }, data: { incomingCall: String(c.id), callState: "ringing" } },
    h("div", "call-peer", avatar(who, st.profileOf(c.caller)?.avatar, "l"), h("div", "call-name", who), h("div", "call-status", t(c.video ? "c_incoming_video" : "c_incoming_voice", who))),
    h(
      "div",
      "call-controls",
      h("button", { class: "call-btn hangup", attrs: { type: "button" }, data: { action: "call-decline" }, on: { click: () => (dismiss(c.id), void app.conn.done("callDecline", { call: c.id }).catch(() => {})) } }, t("c_decline")),
      h("button", { class: "call-btn accept", attrs: { type: "button" }, data: { action: "call-accept" }, on: { click: () => void accept(c) } }, t("c_accept")),
    ),
  );
  incoming.set(key(c.id), box);
  document.body.appendChild(box);
}

function dismiss(id: bigint): void {
  incoming.get(key(id))?.remove();
  incoming.delete(key(id));
}

function onCall(c: Call): void {
  const me = app.me;
  const a = active;
  if (a && a.call.id === c.id) {
    const was = a.call;
    a.call = c;
    if (c.state === CallState.ENDED) return finish(c);
    if (c.state === CallState.ACTIVE && was.state === CallState.RINGING && a.offerer && !a.pc) connect(a);
    render();
    return;
  }
  const shown = incoming.has(key(c.id));
  if (c.callee === me && c.state === CallState.RINGING && !shown && !active && c.ringDeadline > BigInt(Date.now() - 5000)) {
    showIncoming(c);
  } else if (shown && c.state !== CallState.RINGING) {
    dismiss(c.id);
    toast(c.state === CallState.ACTIVE ? t("c_answered_elsewhere") : endText(c.end, false));
  }
}

// startCalls follows call changes and signals for the signed-in user; the
// returned function stops it.
export function startCalls(): () => void {
  const offs = [app.store!.on("call", (c) => onCall(c as Call)), app.on("callSignal", (g) => void onSignal(g as CallSignal))];
  return () => {
    offs.forEach((f) => f());
    void hangup();
    for (const id of [...incoming.keys()]) dismiss(BigInt(id));
  };
}
