// Local capture: camera and microphone with graceful fallback, and a level meter.

/**
 * Asks for camera (1280×720 ideal, the top simulcast layer) and microphone. When one of them is
 * refused or missing, settles for the other, and finally for nothing (receive-only).
 * @param {{camera?: string, mic?: string}} [devices] device ids chosen in the pickers
 * @returns {Promise<{stream: MediaStream, error: string | null}>}
 */
export async function getLocalMedia(devices = {}) {
  /** @type {MediaTrackConstraints} */
  const video = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
  if (devices.camera) video.deviceId = { exact: devices.camera };
  /** @type {MediaTrackConstraints} */
  const audio = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (devices.mic) audio.deviceId = { exact: devices.mic };
  const attempts = [{ audio, video }, { audio }, { video }];
  let error = null;
  for (const constraints of attempts) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      return { stream, error };
    } catch (e) {
      error ??= e instanceof DOMException && e.name === 'NotAllowedError' ? 'media_denied' : 'media_missing';
    }
  }
  return { stream: new MediaStream(), error };
}

/**
 * @param {MediaDeviceKind} kind
 * @returns {Promise<MediaDeviceInfo[]>}
 */
export async function listDevices(kind) {
  const all = await navigator.mediaDevices.enumerateDevices();
  return all.filter((d) => d.kind === kind && d.deviceId);
}

/** Microphone level from a WebAudio AnalyserNode, reported once per animation frame. */
export class LevelMeter {
  /** @param {(level: number) => void} onLevel level in 0..1 */
  constructor(onLevel) {
    this.onLevel = onLevel;
    /** @type {AudioContext | null} */
    this.ctx = null;
    /** @type {MediaStreamAudioSourceNode | null} */
    this.source = null;
    this.frame = 0;
    this.resume = () => void this.ctx?.resume();
  }

  /** @param {MediaStream} stream */
  start(stream) {
    this.stop();
    if (stream.getAudioTracks().length === 0) return;
    this.ctx = new AudioContext();
    const analyser = this.ctx.createAnalyser();
    analyser.fftSize = 1024;
    this.source = this.ctx.createMediaStreamSource(stream);
    this.source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let shown = 0;
    const tick = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // RMS to a 0..1 scale that makes normal speech fill about half the meter; peaks fall
      // back slowly so that short sounds stay visible.
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      shown = Math.max(level, shown * 0.92);
      this.onLevel(shown);
      this.frame = requestAnimationFrame(tick);
    };
    tick();
    // Browsers start an AudioContext suspended until the user interacts with the page.
    document.addEventListener('pointerdown', this.resume);
    document.addEventListener('keydown', this.resume);
  }

  stop() {
    cancelAnimationFrame(this.frame);
    this.source?.disconnect();
    void this.ctx?.close();
    this.ctx = null;
    this.source = null;
    document.removeEventListener('pointerdown', this.resume);
    document.removeEventListener('keydown', this.resume);
  }
}

/** @param {MediaStream | null} stream */
export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
