// WebSocket message types of `GET /ws` (docs/protocol.md, version 1).
import type { PointsMode, QuestionKind } from './api-types';

export const PROTOCOL_VERSION = 1;

export type Phase = 'lobby' | 'question' | 'reveal' | 'leaderboard' | 'podium';

// ---- client → server ----

export interface HelloMsg {
  type: 'hello';
  v: typeof PROTOCOL_VERSION;
  token: string;
  game_id?: string;
}

export interface AnswerMsg {
  type: 'answer';
  answer_id: string;
  question_index: number;
  choice: number;
}

export type HostCommand =
  | { type: 'start' }
  | { type: 'next' }
  /** With `question_index`, closes only that question (a click racing the deadline skips nothing more). */
  | { type: 'skip'; question_index?: number }
  | { type: 'end' }
  | { type: 'lock' }
  | { type: 'unlock' }
  | { type: 'kick'; player_id: string };

export type ClientMsg = HelloMsg | AnswerMsg | HostCommand;

// ---- server → client ----

export interface PlayerInfo {
  id: string;
  nickname: string;
  connected?: boolean;
}

export interface QuestionView {
  index: number;
  kind: QuestionKind;
  text: string;
  answers: string[];
  time_limit_secs: number;
  points: PointsMode;
  remaining_ms: number;
  answered?: number;
}

export interface RevealView {
  index: number;
  correct: number;
  counts: number[];
}

export interface LastResult {
  correct: boolean;
  points: number;
}

export interface MeView {
  player_id: string;
  nickname: string;
  score: number;
  rank?: number | null;
  streak?: number;
  answered_choice?: number | null;
  last_result?: LastResult | null;
}

export interface RankedEntry {
  rank: number;
  nickname: string;
  score: number;
}

export interface StateMsg {
  type: 'state';
  seq: number;
  game_id: string;
  pin: string;
  quiz_title: string;
  phase: Phase;
  locked: boolean;
  question_count?: number;
  player_count?: number;
  players?: PlayerInfo[];
  question?: QuestionView | null;
  reveal?: RevealView | null;
  me?: MeView | null;
  leaderboard?: RankedEntry[] | null;
  standings?: RankedEntry[] | null;
}

export interface WelcomeMsg {
  type: 'welcome';
  role: 'host' | 'player';
  game_id: string;
  player_id?: string;
  nickname?: string;
}

export interface PlayerJoinedMsg {
  type: 'player_joined';
  player: PlayerInfo;
  player_count: number;
}

export interface PlayerLeftMsg {
  type: 'player_left';
  player_id: string;
  player_count: number;
}

export interface AnswerCountMsg {
  type: 'answer_count';
  question_index: number;
  answered: number;
  total: number;
}

export interface AnswerAckMsg {
  type: 'answer_ack';
  answer_id: string;
  question_index: number;
  choice: number;
}

export interface KickedMsg {
  type: 'kicked';
}

export interface ErrorMsg {
  type: 'error';
  code: string;
  message: string;
}

export interface ReconnectMsg {
  type: 'reconnect';
  reason?: string;
}

export type ServerMsg =
  | WelcomeMsg
  | StateMsg
  | PlayerJoinedMsg
  | PlayerLeftMsg
  | AnswerCountMsg
  | AnswerAckMsg
  | KickedMsg
  | ErrorMsg
  | ReconnectMsg;

const SERVER_TYPES = new Set([
  'welcome',
  'state',
  'player_joined',
  'player_left',
  'answer_count',
  'answer_ack',
  'kicked',
  'error',
  'reconnect',
]);

/** Parses one text frame; unknown or malformed frames yield null (and are ignored). */
export function parseServerMsg(data: unknown): ServerMsg | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null && SERVER_TYPES.has((value as { type?: string }).type ?? '')) {
      return value as ServerMsg;
    }
  } catch {
    // ignore
  }
  return null;
}

/** Error codes after which reconnecting with the same credential cannot succeed. */
export const FATAL_PLAYER_ERRORS = new Set(['kicked', 'game_not_found', 'unauthorized']);
