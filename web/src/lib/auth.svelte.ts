// The host's session. The access token lives only in this module's memory (never in Web Storage);
// after a reload it is restored through the HttpOnly refresh cookie (`POST /api/auth/refresh`).
import type { Session, User } from './api-types';

type Status = 'unknown' | 'checking' | 'signed_in' | 'signed_out';

class AuthState {
  user = $state<User | null>(null);
  status = $state<Status>('unknown');
}

export const auth = new AuthState();

let accessToken: string | null = null;

export function accessTokenNow(): string | null {
  return accessToken;
}

export function setSession(session: Session): void {
  accessToken = session.access_token;
  auth.user = session.user;
  auth.status = 'signed_in';
}

export function clearSession(): void {
  accessToken = null;
  auth.user = null;
  auth.status = 'signed_out';
}
