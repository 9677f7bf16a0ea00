// Voice recording with MediaRecorder (Opus in WebM or Ogg where supported).
import { ApiError } from "../lib/conn";
import { t } from "../lib/i18n";

export interface Clip {
  blob: Blob;
  durationMs: number;
  ext: string;
}

export class Recorder {
  private rec?: MediaRecorder;
  private chunks: Blob[] = [];
  private started = 0;
  private timer = 0;
  private stream?: MediaStream;

  get recording(): boolean {
    return !!this.rec;
  }

  async start(maxMs: number, onLimit: () => void): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined") throw new ApiError("unimplemented", t("no_recorder"));
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"].find((x) => MediaRecorder.isTypeSupported(x));
    this.rec = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.chunks = [];
    this.rec.ondataavailable = (e) => e.data.size && this.chunks.push(e.data);
    this.rec.start(250);
    this.started = performance.now();
    this.timer = window.setTimeout(onLimit, maxMs);
  }

  // elapsed is how long the recording runs, in ms.
  get elapsed(): number {
    return this.rec ? performance.now() - this.started : 0;
  }

  // cancel stops recording and throws the sound away.
  async cancel(): Promise<void> {
    await this.stop();
  }

  stop(): Promise<Clip | undefined> {
    const rec = this.rec;
    clearTimeout(this.timer);
    if (!rec) return Promise.resolve(undefined);
    this.rec = undefined;
    return new Promise((resolve) => {
      rec.onstop = () => {
        this.stream?.getTracks().forEach((tr) => tr.stop());
        const type = rec.mimeType || "audio/webm";
        const blob = new Blob(this.chunks, { type });
        const ext = type.includes("ogg") ? ".ogg" : type.includes("mp4") ? ".m4a" : ".webm";
        resolve({ blob, durationMs: Math.min(60000, Math.round(performance.now() - this.started)), ext });
      };
      rec.stop();
    });
  }
}
