// Sounds for the game phases, one call per game screen:
//   host   (projector): lobby music while the lobby is open, the podium fanfare.
//   player (phone, quieter): ticks in the last five seconds of a question, a chime when the answers
//          close (the reveal), the podium fanfare.
// Everything goes through lib/sound.ts, which stays silent until a gesture and while muted.
import { onDestroy, untrack } from 'svelte';
import type { PhaseName, QuestionKind, StateMsg } from './protocol';
import { closed, podium, setMusic, tick, useSound } from './sound';

export type SoundRole = 'host' | 'player';

/** What both HostGame and PlayerGame expose: the latest snapshot and when it arrived. */
export interface GameClock {
  state: StateMsg | null;
  receivedAt: number;
}

const LEVEL: Record<SoundRole, number> = { host: 0.6, player: 0.3 };
const TICK_FROM_SECONDS = 5;

export function useGameSounds(role: SoundRole, game: () => GameClock | null | undefined): void {
  const release = useSound(LEVEL[role]);
  onDestroy(() => release());

  let prevPhase: PhaseName | null = null;
  let prevIndex: number | null = null;
  let lastKind: QuestionKind | null = null;
  /** The last second ticked, per question: a fresh snapshot mid-second does not tick it twice. */
  let ticked: { index: number; seconds: number } | null = null;

  // Phase changes (a snapshot repeating the same phase plays nothing again).
  $effect(() => {
    const state = game()?.state ?? null;
    const phase = state?.phase ?? null;
    const index = state?.question?.index ?? state?.reveal?.index ?? null;
    const kind = state?.question?.kind ?? null;
    untrack(() => {
      if (phase === 'question' && kind) lastKind = kind;
      if (role === 'host') setMusic(phase === 'lobby');
      if (prevPhase !== null && phase !== prevPhase) {
        if (role === 'player' && phase === 'reveal' && prevPhase === 'question' && index === prevIndex && lastKind !== 'slide') {
          closed();
        }
        if (phase === 'podium') podium();
      }
      prevPhase = phase;
      prevIndex = index;
    });
  });

  // Countdown ticks on the phones: once per second in the last five seconds of a question.
  $effect(() => {
    if (role !== 'player') return;
    const clock = game();
    const question = clock?.state?.phase === 'question' ? clock.state.question : null;
    if (!clock || !question || question.kind === 'slide') return;
    const remaining = question.remaining_ms;
    const since = clock.receivedAt;
    const index = question.index;
    const check = () => {
      const seconds = Math.ceil((remaining - (performance.now() - since)) / 1000);
      if (seconds < 1 || seconds > TICK_FROM_SECONDS) return;
      if (ticked && ticked.index === index && ticked.seconds <= seconds) return;
      ticked = { index, seconds };
      tick(seconds);
    };
    check();
    const timer = setInterval(check, 100);
    return () => clearInterval(timer);
  });
}
