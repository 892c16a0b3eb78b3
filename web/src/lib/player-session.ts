// The player's game-scoped capability (player token from /api/play/join) and the answers not yet
// acknowledged, kept in sessionStorage so a reload of the tab rejoins and resends.
import type { JoinResponse } from './api-types';
import type { AnswerValue } from './protocol';

export interface PlayerSession extends JoinResponse {
  nickname: string;
  pin: string;
}

export interface PendingAnswer {
  answer_id: string;
  question_index: number;
  answer: AnswerValue;
}

const SESSION_KEY = 'cahoot.player';
const pendingKey = (gameId: string) => `cahoot.pending.${gameId}`;

function read<T>(key: string): T | null {
  try {
    const raw = sessionStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown): void {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: the game still works, only reload-resume does not
  }
}

export function loadPlayerSession(): PlayerSession | null {
  const s = read<PlayerSession>(SESSION_KEY);
  return s && typeof s.player_token === 'string' && typeof s.game_id === 'string' ? s : null;
}

export function savePlayerSession(session: PlayerSession): void {
  const previous = loadPlayerSession();
  if (previous && previous.game_id !== session.game_id) clearPending(previous.game_id);
  write(SESSION_KEY, session);
}

export function clearPlayerSession(): void {
  const previous = loadPlayerSession();
  if (previous) clearPending(previous.game_id);
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // ignore
  }
}

export function loadPending(gameId: string): PendingAnswer[] {
  const list = read<(PendingAnswer | { answer_id: string; question_index: number; choice: number })[]>(pendingKey(gameId));
  if (!Array.isArray(list)) return [];
  // Entries written before protocol v2 held a bare `choice`.
  return list.map((a) => ('answer' in a ? a : { answer_id: a.answer_id, question_index: a.question_index, answer: { choice: a.choice } }));
}

export function addPending(gameId: string, answer: PendingAnswer): void {
  const list = loadPending(gameId).filter((a) => a.answer_id !== answer.answer_id);
  list.push(answer);
  write(pendingKey(gameId), list);
}

export function settlePending(gameId: string, answerId: string): void {
  write(
    pendingKey(gameId),
    loadPending(gameId).filter((a) => a.answer_id !== answerId),
  );
}

export function clearPending(gameId: string): void {
  try {
    sessionStorage.removeItem(pendingKey(gameId));
  } catch {
    // ignore
  }
}
