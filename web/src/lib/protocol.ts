// WebSocket messages of `GET /ws` (docs/protocol.md). The types and PROTOCOL_VERSION are generated from the
// Rust protocol crate into protocol.gen.ts (`make contracts`); this file only adds the names the UI uses
// for single messages and the runtime helpers.
import type { ClientMessage, ErrorCode, ServerMessage } from './protocol.gen';

export * from './protocol.gen';

export type HelloMsg = Extract<ClientMessage, { type: 'hello' }>;
export type AnswerMsg = Extract<ClientMessage, { type: 'answer' }>;
/** Everything a host sends after hello. */
export type HostCommand = Exclude<ClientMessage, { type: 'hello' | 'answer' }>;
export type StateMsg = Extract<ServerMessage, { type: 'state' }>;
export type ErrorMsg = Extract<ServerMessage, { type: 'error' }>;

// A Record over the generated union, so a new server message type fails the type check until it is listed.
const SERVER_TYPES: Record<ServerMessage['type'], true> = {
  welcome: true,
  state: true,
  player_joined: true,
  player_left: true,
  answer_count: true,
  answer_ack: true,
  kicked: true,
  error: true,
  reconnect: true,
};

function isServerType(type: unknown): type is ServerMessage['type'] {
  return typeof type === 'string' && Object.hasOwn(SERVER_TYPES, type);
}

/** Parses one text frame; unknown or malformed frames yield null (and are ignored). */
export function parseServerMsg(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null && isServerType((value as { type?: unknown }).type)) {
      return value as ServerMessage;
    }
  } catch {
    // ignore
  }
  return null;
}

/** Error codes after which reconnecting with the same credential cannot succeed. */
const FATAL_PLAYER_ERRORS = ['kicked', 'game_not_found', 'unauthorized'] as const satisfies readonly ErrorCode[];
export type FatalPlayerError = (typeof FATAL_PLAYER_ERRORS)[number];

export function isFatalPlayerError(code: ErrorCode): code is FatalPlayerError {
  return (FATAL_PLAYER_ERRORS as readonly ErrorCode[]).includes(code);
}
