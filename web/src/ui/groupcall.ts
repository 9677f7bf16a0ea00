// Group voice calls and walkie-talkie rooms in a group (WebRTC through the
// server's SFU). The server offers, this tab answers once (nobody
// renegotiates), and pushes tell every member's tabs who is in a room, who
// speaks and who holds a walkie-talkie room's floor. The group chat shows
// a bar with the room in progress and the two entry points.
import type { IceServer } from "../gen/hongyan/v1/call_pb.js";
import { GroupCallKind, type GroupCall, type GroupCallSession } from "../gen/hongyan/v1/groupcall_pb.js";
import { app } from "../lib/app";
import { h, replace } from "../lib/dom";
import { t } from "../lib/i18n";
import { key } from "../lib/store";
import { I } from "./icons";
import { mmss } from "./msgtext";
import { avatar, errorText, iconButton, toast } from "./widgets";
import "./groupcall.css";

interface Room {
  group: bigint;
  kind: GroupCallKind;
  call: GroupCall;
  speaker: boolean;
  local: MediaStream;
  pc: RTCPeerConnection;
  muted: boolean;
  holding: boolean; // walkie-talkie: this tab holds (or asked for) the floor
  speaking: boolean;
  level?: () => number; // the microphone's level now, 0–1
  timer?: number;
  box: HTMLElement;
}

let room: Room | undefined;
// The latest room of each group and kind that this tab heard of.
const known = new Map<string, GroupCall>();
const roomKey = (group: bigint, kind: GroupCallKind) => `${key(group)}:${kind}`;

// relayOnly forces ICE through TURN relays (the browser tests, and anyone
// checking the relay path: localStorage "hongyan.iceRelay" = "1").
const relayOnly = () => {
  try {
    return localStorage.getItem("hongyan.iceRelay") === "1";
  } catch {
    return false;
  }
};

function remember(c: GroupCall): void {
  known.set(roomKey(c.group, c.kind), c);
  app.emit("groupCallChanged", c);
}

// groupCallButtons are the group chat header's entry points.
export function groupCallButtons(group: bigint): HTMLElement[] {
  return [
    iconButton(I.phone, t("gc_call"), () => void join(group, GroupCallKind.VOICE), "group-call-btn"),
    iconButton(I.mic, t("gc_talkie"), () => void join(group, GroupCallKind.TALKIE), "talkie-btn"),
  ];
}

// groupCallBar shows, in a group chat, the rooms open now with a button
// to join; it follows pushes until dispose.
export function groupCallBar(group: bigint): { el: HTMLElement; dispose: () => void } {
  const el = h("div", { class: "gc-bar", data: { groupCallBar: "" }, attrs: { "aria-live": "polite" } });
  const render = () => {
    const rows: HTMLElement[] = [];
    for (const kind of [GroupCallKind.VOICE, GroupCallKind.TALKIE]) {
      const c = known.get(roomKey(group, kind));
      const n = c?.participants.length ?? 0;
      if (!n) continue;
      const label = t(kind === GroupCallKind.VOICE ? "gc_in_call" : "gc_in_talkie", n);
      rows.push(
        h(
          "div",
          { class: "gc-bar-row", data: { kind: kind === GroupCallKind.VOICE ? "voice" : "talkie", participants: n } },
          h("span", "gc-bar-text", label),
          room && room.group === group && room.kind === kind
            ? ""
            : h("button", { class: "btn primary gc-bar-join", attrs: { type: "button" }, on: { click: () => void join(group, kind) } }, t("gc_join")),
        ),
      );
    }
    replace(el, ...rows);
    el.hidden = rows.length === 0;
  };
  render();
  const off = app.on("groupCallChanged", (c) => {
    if ((c as GroupCall).group === group) render();
  });
  // Ask once: a room may have opened before this tab followed pushes.
  for (const kind of [GroupCallKind.VOICE, GroupCallKind.TALKIE]) {
    app.conn
      .call("groupCallCurrent", { group, kind }, "groupCall")
      .then(remember)
      .catch(() => {});
  }
  return { el, dispose: off };
}

async function join(group: bigint, kind: GroupCallKind): Promise<void> {
  if (room) {
    if (room.group === group && room.kind === kind) return;
    await leave();
  }
  let local: MediaStream;
  try {
    local = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    return toast(t("c_no_media", e instanceof Error ? e.message : String(e)), "error");
  }
  let s: GroupCallSession;
  try {
    s = await app.conn.call("groupCallJoin", { group, kind }, "groupCallSession");
  } catch (e) {
    local.getTracks().forEach((x) => x.stop());
    return toast(errorText(e), "error");
  }
  const talkie = kind === GroupCallKind.TALKIE;
  const box = h("div", {
    class: `call-screen gc-screen ${talkie ? "talkie" : "voice"}`,
    attrs: { role: "dialog", "aria-modal": "true", "aria-label": t(talkie ? "gc_talkie" : "gc_call") },
    data: { groupCall: String(group), kind: talkie ? "talkie" : "voice", state: "connecting" },
  });
  document.body.appendChild(box);
  const pc = new RTCPeerConnection({ iceServers: iceServers(s.iceServers), iceTransportPolicy: relayOnly() ? "relay" : "all" });
  const r: Room = { group, kind, call: s.call!, speaker: s.speaker, local, pc, muted: false, holding: false, speaking: false, box };
  room = r;
  remember(r.call);
  const mic = local.getAudioTracks()[0];
  if (mic) mic.enabled = !talkie; // a walkie-talkie room sends only while the button is held
  if (!s.speaker && !talkie) toast(t("gc_full_listen"));
  r.level = meter(local);
  pc.ontrack = (ev) => {
    const a = h("audio", { attrs: { autoplay: true }, data: { mid: ev.transceiver.mid ?? "" } });
    a.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
    box.appendChild(a);
  };
  pc.onconnectionstatechange = () => {
    box.dataset.state = pc.connectionState;
    if (pc.connectionState === "failed") {
      toast(t("c_failed"), "error");
      void leave();
    }
  };
  r.timer = window.setInterval(() => void tick(r), 500);
  render();
  try {
    await pc.setRemoteDescription({ type: "offer", sdp: s.offerSdp });
    // The microphone goes in the section the SFU receives on (recvonly in
    // its offer); the others carry the speakers to this tab.
    const micMid = recvOnlyMid(s.offerSdp);
    const tr = pc.getTransceivers().find((x) => x.mid === micMid);
    if (tr && mic) {
      await tr.sender.replaceTrack(mic);
      tr.direction = "sendonly";
    }
    const ans = await pc.createAnswer();
    await pc.setLocalDescription(ans);
    await gathered(pc);
    await app.conn.done("groupCallAnswer", { group, kind, sdp: pc.localDescription!.sdp });
  } catch (e) {
    toast(errorText(e), "error");
    void leave();
  }
}

function iceServers(list: IceServer[]): RTCIceServer[] {
  return list.map((s) => ({ urls: s.urls, username: s.username || undefined, credential: s.credential || undefined }));
}

// recvOnlyMid finds the mid of the offer's section the SFU receives on.
function recvOnlyMid(sdp: string): string | undefined {
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    if (/\r?\na=recvonly/.test(section)) return /\r?\na=mid:(\S+)/.exec(section)?.[1];
  }
  return undefined;
}

// gathered waits until the answer has its candidates (the SFU takes them
// in it: no trickle), at most 5 s.
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    window.setTimeout(resolve, 5000);
  });
}

// meter measures the microphone's level (Web Audio), for the speaking
// indicator.
function meter(stream: MediaStream): (() => number) | undefined {
  try {
    const ctx = new AudioContext();
    const an = ctx.createAnalyser();
    an.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(an);
    const buf = new Uint8Array(an.fftSize);
    return () => {
      an.getByteTimeDomainData(buf);
      let peak = 0;
      for (const v of buf) peak = Math.max(peak, Math.abs(v - 128));
      return peak / 128;
    };
  } catch {
    return undefined;
  }
}

async function leave(): Promise<void> {
  const r = room;
  if (!r) return;
  room = undefined;
  window.clearInterval(r.timer);
  r.pc.close();
  r.local.getTracks().forEach((x) => x.stop());
  r.box.remove();
  try {
    remember(await app.conn.call("groupCallLeave", { group: r.group, kind: r.kind }, "groupCall"));
  } catch {
    /* the server drops a participant whose connection closed */
  }
}

// tick sends this tab's speaking state when it changes and shows the
// bytes received (data-inbound-bytes, what the browser tests read) and
// the kind of ICE candidate in use (data-local-candidate).
async function tick(r: Room): Promise<void> {
  const mic = r.local.getAudioTracks()[0];
  const sending = !!mic?.enabled && (r.kind === GroupCallKind.TALKIE ? r.holding : r.speaker);
  const speaking = sending && (r.level?.() ?? 0) > 0.04;
  if (speaking !== r.speaking && room === r) {
    r.speaking = speaking;
    app.conn.done("groupCallStatus", { group: r.group, kind: r.kind, muted: r.muted, speaking }).catch(() => {});
  }
  const el = r.box.querySelector("[data-gc-time]");
  if (el && r.call.started) el.textContent = mmss(Date.now() - Number(r.call.started));
  let bytes = 0;
  let pair = "";
  const stats = await r.pc.getStats();
  stats.forEach((s: { type: string; bytesReceived?: number; selectedCandidatePairId?: string }) => {
    if (s.type === "inbound-rtp") bytes += s.bytesReceived ?? 0;
    if (s.type === "transport" && s.selectedCandidatePairId) pair = s.selectedCandidatePairId;
  });
  if (pair) {
    const p = stats.get(pair) as { localCandidateId?: string } | undefined;
    const local = p?.localCandidateId ? (stats.get(p.localCandidateId) as { candidateType?: string } | undefined) : undefined;
    if (local?.candidateType) r.box.dataset.localCandidate = local.candidateType;
  }
  r.box.dataset.inboundBytes = String(bytes);
}

async function floor(take: boolean): Promise<void> {
  const r = room;
  if (!r || r.kind !== GroupCallKind.TALKIE || r.holding === take) return;
  r.holding = take;
  const mic = r.local.getAudioTracks()[0];
  if (!take && mic) mic.enabled = false;
  render();
  try {
    const f = await app.conn.call("groupCallFloor", { group: r.group, take }, "groupCallFloor");
    if (room !== r) return;
    if (take && !f.granted) {
      r.holding = false;
      toast(t("gc_floor_busy", app.store!.name(f.holder, r.group)));
    }
    if (mic) mic.enabled = r.holding;
    r.call = { ...r.call, floorHolder: f.holder, floorUntil: f.until } as GroupCall;
  } catch (e) {
    r.holding = false;
    if (mic) mic.enabled = false;
    toast(errorText(e), "error");
  }
  render();
}

// parts are the screen's pieces made once per room, so that a push never
// replaces the button held down or focused.
interface Parts {
  title: HTMLElement;
  people: HTMLElement;
  floor: HTMLElement;
  hold: HTMLButtonElement;
  controls: HTMLElement;
}
const parts = new WeakMap<Room, Parts>();

function holdButton(): HTMLButtonElement {
  const key_ = (ev: Event) => {
    const k = ev as KeyboardEvent;
    return k.key === " " || k.key === "Enter";
  };
  return h("button", {
    class: "gc-hold",
    attrs: { type: "button", "aria-pressed": "false" },
    data: { action: "talk-hold" },
    on: {
      pointerdown: (ev: Event) => {
        (ev.currentTarget as HTMLElement).setPointerCapture?.((ev as PointerEvent).pointerId);
        ev.preventDefault();
        void floor(true);
      },
      pointerup: () => void floor(false),
      pointercancel: () => void floor(false),
      lostpointercapture: () => void floor(false),
      keydown: (ev: Event) => {
        if (key_(ev) && !(ev as KeyboardEvent).repeat) {
          ev.preventDefault();
          void floor(true);
        } else if (key_(ev)) ev.preventDefault();
      },
      keyup: (ev: Event) => {
        if (key_(ev)) {
          ev.preventDefault();
          void floor(false);
        }
      },
      blur: () => void floor(false),
      contextmenu: (ev: Event) => ev.preventDefault(),
    },
  });
}

function render(): void {
  const r = room;
  if (!r) return;
  const st = app.store!;
  const c = r.call;
  const talkie = r.kind === GroupCallKind.TALKIE;
  let p = parts.get(r);
  if (!p) {
    p = {
      title: h("div", "call-name"),
      people: h("ul", { class: "gc-people", attrs: { "aria-label": t("gc_participants") } }),
      floor: h("div", { class: "gc-floor", attrs: { "aria-live": "polite" } }),
      hold: holdButton(),
      controls: h("div", "call-controls"),
    };
    parts.set(r, p);
    replace(
      r.box,
      h("div", "call-peer", p.title, h("div", { class: "call-status", data: { gcTime: "" } }, talkie ? t("gc_talkie") : t("gc_call"))),
      p.people,
      talkie ? h("div", "gc-talk", p.floor, p.hold) : "",
      p.controls,
    );
  }
  const button = (label: string, action: string, d: string, fn: () => void, cls = "") =>
    h("button", { class: `call-btn ${cls}`, attrs: { type: "button", "aria-label": label, title: label }, data: { action }, on: { click: fn } }, iconButton(d, label, () => {}).firstChild!, h("span", "call-btn-label", label));
  p.title.textContent = st.groups.get(key(r.group))?.name || t(talkie ? "gc_talkie" : "gc_call");
  p.people.dataset.participants = String(c.participants.length);
  replace(
    p.people,
    ...c.participants.map((x) => {
      const speaking = talkie ? c.floorHolder === x.user : x.speaking; // a walkie-talkie room: only the holder is heard
      return h(
        "li",
        { class: `gc-person ${speaking ? "speaking" : ""} ${x.muted ? "muted" : ""}`, data: { user: String(x.user), speaking: String(speaking) } },
        avatar(st.name(x.user, r.group), st.profileOf(x.user)?.avatar, "m"),
        h("span", "gc-name", st.name(x.user, r.group)),
        h("span", "gc-tag", x.muted ? t("gc_muted") : !talkie && !x.speaker ? t("gc_listener") : speaking ? t("gc_speaking") : ""),
      );
    }),
  );
  const holder = c.floorHolder;
  p.floor.dataset.floor = String(holder);
  p.floor.textContent = !holder ? t("gc_floor_free") : holder === st.me ? t("gc_floor_mine") : t("gc_floor_held", st.name(holder, r.group));
  p.hold.classList.toggle("on", r.holding);
  p.hold.setAttribute("aria-pressed", r.holding ? "true" : "false");
  p.hold.textContent = r.holding ? t("gc_release") : t("gc_hold");
  replace(
    p.controls,
    talkie
      ? ""
      : button(r.muted ? t("c_unmute") : t("c_mute"), "gc-mute", I.mic, () => {
          r.muted = !r.muted;
          const mic = r.local.getAudioTracks()[0];
          if (mic) mic.enabled = !r.muted;
          app.conn.done("groupCallStatus", { group: r.group, kind: r.kind, muted: r.muted, speaking: false }).catch(() => {});
          render();
        }, r.muted ? "on" : ""),
    button(t("gc_leave"), "gc-leave", I.phone, () => void leave(), "hangup"),
  );
}

function onPush(c: GroupCall): void {
  remember(c);
  const r = room;
  if (r && c.group === r.group && c.kind === r.kind) {
    r.call = c;
    if (r.holding && c.floorHolder !== app.me && c.floorHolder !== 0n) r.holding = false; // lost it (max hold)
    const mic = r.local.getAudioTracks()[0];
    if (r.kind === GroupCallKind.TALKIE && mic) mic.enabled = r.holding && c.floorHolder === app.me;
    if (c.ended !== 0n || (c.participants.length && !c.participants.some((p) => p.user === app.me))) {
      // The server dropped this device (its connection failed), or the
      // room ended under it (the node carrying its media stopped): the
      // bar offers to join again.
      void leave();
      return;
    }
    render();
  }
}

// startGroupCalls follows group-call pushes for the signed-in user; the
// returned function stops it and leaves any room.
export function startGroupCalls(): () => void {
  const off = app.on("groupCall", (c) => onPush(c as GroupCall));
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === "Escape" && room) void leave();
  };
  document.addEventListener("keydown", onKey);
  return () => {
    off();
    document.removeEventListener("keydown", onKey);
    void leave();
    known.clear();
  };
}
