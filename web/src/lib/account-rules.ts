// The server's rules for usernames and new passwords (crates/cahoot-server/src/auth/password.rs), checked
// before sending so the messages are in the UI language; the list of common passwords only the server knows.
import { m } from '../i18n';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** What is wrong with a new username, or null. */
export function usernameProblem(name: string): string | null {
  const length = [...name].length;
  if (length < USERNAME_MIN || length > USERNAME_MAX) return m.editor_auth_usernameLength();
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return m.editor_auth_usernameChars();
  return null;
}

/** What is wrong with a new password for `username`, or null. */
export function passwordProblem(password: string, username: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return m.editor_auth_passwordShort();
  if (length > PASSWORD_MAX) return m.editor_auth_passwordLong();
  if (password.toLowerCase() === username.toLowerCase()) return m.editor_auth_passwordIsUsername();
  return null;
}

/** The server's English words for these rules, in the UI language. */
const SERVER_RULES: Record<string, () => string> = {
  'a username has 3 to 32 characters': m.editor_auth_usernameLength,
  'a username may contain only letters A–Z, digits and _ . -': m.editor_auth_usernameChars,
  'a password needs at least 8 characters': m.editor_auth_passwordShort,
  'a password has at most 128 characters': m.editor_auth_passwordLong,
  'this password is one of the most common ones; choose another': m.editor_auth_passwordCommon,
  'the password must not be the username': m.editor_auth_passwordIsUsername,
};

/** The UI-language version of a server account-rule message; `fallback` for any other. */
export function serverRuleMessage(message: string, fallback: string): string {
  return Object.hasOwn(SERVER_RULES, message) ? SERVER_RULES[message]!() : fallback;
}
