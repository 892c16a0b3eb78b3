// Game sounds, synthesized at run time with the Web Audio API: no audio files (docs/sounds.md).
//
// Nothing plays before a user gesture. The AudioContext is created (or resumed) only inside the first
// pointerdown/keydown of the page, and only once a game screen wants sound; a gesture made earlier in the
// same page (the click on "Join" or "Host") counts, as browsers allow audio after any activation.
// Until then the state is `locked`. A mute choice is remembered per device (localStorage).
//
// For tests (and curious people), the <html> element carries the state without anyone hearing it:
//   data-audio          locked | muted | on
//   data-audio-context  none | suspended | running | closed (the AudioContext's own state)
//   data-sounds-played  how many sounds actually started (never counts while locked or muted)
//   data-last-sound     the name of the last one started: tick | closed | podium | music

export type SoundName = 'tick' | 'closed' | 'podium' | 'music';
export type AudioState = 'locked' | 'muted' | 'on';

const MUTE_KEY = 'cahoot.sound.muted';

let gestured = false;
let muted = readMuted();
let wanted = false;
let ctx: AudioContext | null = null;
let master: GainNode | null = null;
let volume = 0.5;
let played = 0;
let lastSound: SoundName | null = null;
let music: { gain: GainNode; timer: ReturnType<typeof setInterval> } | null = null;
let musicWanted = false;
const listeners = new Set<(state: AudioState) => void>();

function readMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}

export function audioState(): AudioState {
  if (muted) return 'muted';
  return gestured && ctx ? 'on' : 'locked';
}

function publish(): void {
  const root = document.documentElement.dataset;
  root.audio = audioState();
  root.audioContext = ctx?.state ?? 'none';
  root.soundsPlayed = String(played);
  if (lastSound) root.lastSound = lastSound;
  for (const listener of listeners) listener(audioState());
}

/** Calls `listener` with every change of state; returns the unsubscribe function. */
export function onAudioState(listener: (state: AudioState) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// The one place the AudioContext is created: a gesture (or a game screen mounted after one).
function unlock(): void {
  if (!gestured || !wanted || muted) return;
  if (!ctx) {
    const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    ctx = new Ctx();
    master = ctx.createGain();
    master.gain.value = volume;
    master.connect(ctx.destination);
    ctx.addEventListener('statechange', publish);
  }
  if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  publish();
  if (musicWanted && !music) startMusic();
}

function onGesture(): void {
  gestured = true;
  unlock();
}

if (typeof window !== 'undefined') {
  // Capture phase: unlocked before the click's own handler runs (e.g. the mute button).
  window.addEventListener('pointerdown', onGesture, { capture: true, passive: true });
  window.addEventListener('keydown', onGesture, { capture: true, passive: true });
  window.addEventListener('storage', (event) => {
    if (event.key === MUTE_KEY) setMuted(readMuted(), false);
  });
}

/**
 * A game screen wants sound at `level` (0..1; the host's projector louder than a phone). Returns the
 * release function for when the screen goes away.
 */
export function useSound(level: number): () => void {
  wanted = true;
  volume = level;
  if (master) master.gain.value = level;
  unlock();
  publish();
  return () => {
    setMusic(false);
    wanted = false;
  };
}

export function isMuted(): boolean {
  return muted;
}

export function setMuted(value: boolean, remember = true): void {
  muted = value;
  if (remember) {
    try {
      if (value) localStorage.setItem(MUTE_KEY, '1');
      else localStorage.removeItem(MUTE_KEY);
    } catch {
      // Private mode without storage: the choice lasts for this page only.
    }
  }
  if (muted) stopMusic();
  else unlock();
  publish();
}

/** Whether a sound may start now; counts it when it does. */
function begin(name: SoundName): AudioContext | null {
  if (muted || !gestured || !ctx || !master || ctx.state === 'closed') return null;
  played += 1;
  lastSound = name;
  publish();
  return ctx;
}

interface Note {
  freq: number;
  /** Start, seconds after `base` (default: now). */
  at?: number;
  /** Length in seconds. */
  len: number;
  type?: OscillatorType;
  gain?: number;
  /** A glide to this frequency over the note. */
  to?: number;
}

function note(c: AudioContext, out: AudioNode, n: Note, base = c.currentTime): void {
  const t = base + (n.at ?? 0);
  const osc = c.createOscillator();
  const env = c.createGain();
  osc.type = n.type ?? 'triangle';
  osc.frequency.setValueAtTime(n.freq, t);
  if (n.to) osc.frequency.exponentialRampToValueAtTime(n.to, t + n.len);
  const peak = n.gain ?? 0.3;
  // Short attack, exponential decay: a soft pluck without clicks.
  env.gain.setValueAtTime(0.0001, t);
  env.gain.exponentialRampToValueAtTime(peak, t + Math.min(0.02, n.len / 4));
  env.gain.exponentialRampToValueAtTime(0.0001, t + n.len);
  osc.connect(env).connect(out);
  osc.start(t);
  osc.stop(t + n.len + 0.05);
}

const hz = (midi: number) => 440 * 2 ** ((midi - 69) / 12);

/** A countdown tick; `secondsLeft` 1 is higher, the last one before time is up. */
export function tick(secondsLeft: number): boolean {
  const c = begin('tick');
  if (!c || !master) return false;
  const last = secondsLeft <= 1;
  note(c, master, { freq: last ? 1320 : 880, len: 0.09, type: 'square', gain: 0.12 });
  note(c, master, { freq: last ? 660 : 440, len: 0.12, type: 'sine', gain: 0.2 });
  return true;
}

/** Time is up / the answers are closed: a falling two-note chime. */
export function closed(): boolean {
  const c = begin('closed');
  if (!c || !master) return false;
  note(c, master, { freq: hz(79), at: 0, len: 0.35, gain: 0.3 });
  note(c, master, { freq: hz(72), at: 0.16, len: 0.7, gain: 0.3 });
  note(c, master, { freq: hz(60), at: 0.16, len: 0.8, type: 'sine', gain: 0.25 });
  return true;
}

/** The podium: a rising arpeggio into a held major chord. */
export function podium(): boolean {
  const c = begin('podium');
  if (!c || !master) return false;
  const brass = (freq: number, at: number, len: number, gain = 0.16) => {
    note(c, master!, { freq, at, len, type: 'sawtooth', gain: gain * 0.6 });
    note(c, master!, { freq, at, len, type: 'triangle', gain });
  };
  const steps = [60, 64, 67, 72];
  steps.forEach((m, i) => brass(hz(m), i * 0.14, 0.22));
  brass(hz(67), 0.62, 0.16);
  for (const m of [72, 76, 79]) brass(hz(m), 0.8, 1.6, 0.13);
  note(c, master, { freq: hz(48), at: 0.8, len: 1.6, type: 'sine', gain: 0.3 });
  return true;
}

// Lobby music: a calm 16-step pentatonic loop (melody, bass) at 96 bpm, scheduled a little ahead.
const MELODY = [72, null, 76, 79, 81, null, 79, 76, 74, null, 76, 72, 69, null, 72, null] as const;
const BASS = [48, null, null, null, 53, null, null, null, 45, null, null, null, 55, null, null, null] as const;
const STEP = 60 / 96 / 2;

function startMusic(): void {
  const c = begin('music');
  if (!c) return;
  const gain = c.createGain();
  gain.gain.value = 0.5;
  gain.connect(master!);
  let step = 0;
  let next = c.currentTime + 0.05;
  const schedule = () => {
    while (next < c.currentTime + 0.4) {
      const i = step % MELODY.length;
      const m = MELODY[i];
      const b = BASS[i];
      if (m != null) note(c, gain, { freq: hz(m), at: 0, len: STEP * 1.8, gain: 0.16 }, next);
      if (b != null) note(c, gain, { freq: hz(b), at: 0, len: STEP * 3.5, type: 'sine', gain: 0.22 }, next);
      step += 1;
      next += STEP;
    }
  };
  schedule();
  music = { gain, timer: setInterval(schedule, 150) };
}

function stopMusic(): void {
  if (!music || !ctx) return;
  clearInterval(music.timer);
  const { gain } = music;
  const t = ctx.currentTime;
  gain.gain.setValueAtTime(gain.gain.value, t);
  gain.gain.linearRampToValueAtTime(0, t + 0.3);
  setTimeout(() => gain.disconnect(), 500);
  music = null;
}

/** Lobby music on or off; wanted while locked or muted, it starts when sound becomes possible. */
export function setMusic(on: boolean): void {
  musicWanted = on;
  if (!on) stopMusic();
  else if (!music) startMusic();
}
