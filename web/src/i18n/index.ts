// Cahoot's UI languages through Paraglide JS: messages live in messages/<area>/<locale>.json and compile
// (`npm run i18n`) into typed functions, `m.player_join_title()`, so a key that does not exist is a type
// error; scripts/i18n-check.mjs fails the check on a message missing from any language.
// The language is the one picked earlier on this device (localStorage), else the browser's, else English.
import { m } from '../paraglide/messages.js';
import { getLocale, locales, setLocale as setParaglideLocale, type Locale } from '../paraglide/runtime.js';
import type { ErrorCode } from '../lib/protocol.gen';

export { m, getLocale, locales, type Locale };

/** Each language's name in that language, for the picker. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  it: 'Italiano',
};

/** Marks the document with the language in use (screen readers pick their voice from it). */
export function setupI18n(): void {
  document.documentElement.lang = getLocale();
}

/** Switches language; the page reloads so every screen renders in it (game sessions reconnect). */
export function setLocale(locale: Locale): void {
  void setParaglideLocale(locale);
}

/** One message per server error code: a code added to the protocol without a message is a type error. */
const ERROR_MESSAGES: Record<ErrorCode, () => string> = {
  invalid_json: m.error_invalid_json,
  invalid_body: m.error_invalid_body,
  bad_request: m.error_bad_request,
  unsupported_media_type: m.error_unsupported_media_type,
  payload_too_large: m.error_payload_too_large,
  method_not_allowed: m.error_method_not_allowed,
  not_found: m.error_not_found,
  conflict: m.error_conflict,
  too_many_requests: m.error_too_many_requests,
  forbidden: m.error_forbidden,
  csrf_rejected: m.error_csrf_rejected,
  origin_rejected: m.error_origin_rejected,
  internal: m.error_internal,
  live_store_unavailable: m.error_live_store_unavailable,
  durable_store_unavailable: m.error_durable_store_unavailable,
  draining: m.error_draining,
  unavailable: m.error_unavailable,
  unauthorized: m.error_unauthorized,
  invalid_token: m.error_invalid_token,
  token_expired: m.error_token_expired,
  token_revoked: m.error_token_revoked,
  invalid_credentials: m.error_invalid_credentials,
  invalid_username: m.error_invalid_username,
  invalid_password: m.error_invalid_password,
  wrong_password: m.error_wrong_password,
  username_unavailable: m.error_username_unavailable,
  missing_refresh_token: m.error_missing_refresh_token,
  invalid_refresh_token: m.error_invalid_refresh_token,
  refresh_token_reused: m.error_refresh_token_reused,
  too_many_attempts: m.error_too_many_attempts,
  invalid_quiz: m.error_invalid_quiz,
  quiz_not_found: m.error_quiz_not_found,
  invalid_import: m.error_invalid_import,
  image_too_large: m.error_image_too_large,
  unsupported_image: m.error_unsupported_image,
  invalid_image: m.error_invalid_image,
  image_dimensions_too_large: m.error_image_dimensions_too_large,
  image_quota_exceeded: m.error_image_quota_exceeded,
  image_not_found: m.error_image_not_found,
  game_not_found: m.error_game_not_found,
  game_finished: m.error_game_finished,
  game_locked: m.error_game_locked,
  pin_taken: m.error_pin_taken,
  no_free_pin: m.error_no_free_pin,
  invalid_pin: m.error_invalid_pin,
  invalid_nickname: m.error_invalid_nickname,
  nickname_taken: m.error_nickname_taken,
  pupil_id_required: m.error_pupil_id_required,
  invalid_pupil_id: m.error_invalid_pupil_id,
  player_not_found: m.error_player_not_found,
  kicked: m.error_kicked,
  no_players: m.error_no_players,
  invalid_command: m.error_invalid_command,
  question_closed: m.error_question_closed,
  question_not_open: m.error_question_not_open,
  invalid_choice: m.error_invalid_choice,
  invalid_answer: m.error_invalid_answer,
  already_answered: m.error_already_answered,
  bad_message: m.error_bad_message,
  frame_too_large: m.error_frame_too_large,
  unsupported_version: m.error_unsupported_version,
  not_host: m.error_not_host,
  not_player: m.error_not_player,
  rate_limited: m.error_rate_limited,
};

/** The current language's message for a server error code; `fallback` (the server's English text) for a
 *  code this UI does not know yet, e.g. from a newer server. */
export function errorCodeMessage(code: string, fallback: string): string {
  return Object.hasOwn(ERROR_MESSAGES, code) ? ERROR_MESSAGES[code as ErrorCode]() : fallback;
}
