// Typed fetch wrapper for the REST API. Bearer auth from memory; one refresh attempt on 401.
import { accessTokenNow, auth, clearSession, setSession } from './auth.svelte';
import type {
  Credentials,
  ErrorBody,
  FieldProblem,
  GameCreated,
  GameResults,
  GameSummary,
  JoinRequest,
  JoinResponse,
  PasswordChange,
  Quiz,
  QuizInput,
  QuizSummary,
  Session,
} from './api-types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Validation problems by input field (`title`, `questions[1].answers[0]`, …), possibly several. */
  readonly problems: FieldProblem[];

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    const problems = body.errors ?? [];
    this.problems =
      problems.length > 0 ? problems : body.field ? [{ field: body.field, message: body.message }] : [];
  }
}

/** A message for any error thrown by the API layer, fit to show to a person. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Options {
  /** Send the bearer token and retry once after a refresh on 401 (default true). */
  auth?: boolean;
  /** Return the raw response body as a Blob. */
  blob?: boolean;
}

async function send(method: Method, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers['Authorization'] = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, { code: 'network', message: 'Cannot reach the server. Check your connection and try again.' });
  }
}

async function failure(response: Response): Promise<ApiError> {
  let body: ErrorBody = { code: 'http_' + response.status, message: `Request failed (HTTP ${response.status}).` };
  try {
    const parsed = (await response.json()) as Partial<ErrorBody> | null;
    if (parsed && typeof parsed.message === 'string') {
      body = {
        code: parsed.code ?? body.code,
        message: parsed.message,
        field: parsed.field ?? null,
        errors: Array.isArray(parsed.errors) ? parsed.errors : null,
      };
    }
  } catch {
    // not JSON: keep the generic message
  }
  return new ApiError(response.status, body);
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the refresh cookie and stores the new access token. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      const response = await send('POST', '/api/auth/refresh', undefined, null);
      if (!response.ok) {
        clearSession();
        return false;
      }
      setSession((await response.json()) as Session);
      return true;
    } catch {
      clearSession();
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Restores the session once per page load (host routes). */
export async function ensureSession(): Promise<boolean> {
  if (auth.status === 'signed_in') return true;
  if (auth.status === 'signed_out') return false;
  auth.status = 'checking';
  return refreshSession();
}

async function request<T>(method: Method, path: string, body?: unknown, options: Options = {}): Promise<T> {
  const useAuth = options.auth ?? true;
  let response = await send(method, path, body, useAuth ? accessTokenNow() : null);
  if (useAuth && response.status === 401) {
    if (await refreshSession()) response = await send(method, path, body, accessTokenNow());
    if (response.status === 401) {
      const error = await failure(response);
      clearSession(); // the host area shows the login form
      throw error;
    }
  }
  if (!response.ok) throw await failure(response);
  if (options.blob) return (await response.blob()) as T;
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  async register(credentials: Credentials): Promise<Session> {
    const session = await request<Session>('POST', '/api/auth/register', credentials, { auth: false });
    setSession(session);
    return session;
  },
  async login(credentials: Credentials): Promise<Session> {
    const session = await request<Session>('POST', '/api/auth/login', credentials, { auth: false });
    setSession(session);
    return session;
  },
  async logout(): Promise<void> {
    try {
      await request<void>('POST', '/api/auth/logout');
    } finally {
      clearSession();
    }
  },
  async changePassword(change: PasswordChange): Promise<Session> {
    const session = await request<Session>('POST', '/api/auth/password', change);
    setSession(session);
    return session;
  },
  listQuizzes: () => request<QuizSummary[]>('GET', '/api/quizzes'),
  getQuiz: (id: string) => request<Quiz>('GET', `/api/quizzes/${encodeURIComponent(id)}`),
  createQuiz: (quiz: QuizInput) => request<Quiz>('POST', '/api/quizzes', quiz),
  updateQuiz: (id: string, quiz: QuizInput) => request<Quiz>('PUT', `/api/quizzes/${encodeURIComponent(id)}`, quiz),
  createSampleQuiz: () => request<Quiz>('POST', '/api/quizzes/sample'),
  duplicateQuiz: (id: string) => request<Quiz>('POST', `/api/quizzes/${encodeURIComponent(id)}/duplicate`),
  deleteQuiz: (id: string) => request<void>('DELETE', `/api/quizzes/${encodeURIComponent(id)}`),
  startGame: (quizId: string) => request<GameCreated>('POST', '/api/games', { quiz_id: quizId }),
  listGames: () => request<GameSummary[]>('GET', '/api/games'),
  getGame: (id: string) => request<GameResults>('GET', `/api/games/${encodeURIComponent(id)}`),
  resultsCsv: (id: string) =>
    request<Blob>('GET', `/api/games/${encodeURIComponent(id)}/results.csv`, undefined, { blob: true }),
  join: (input: JoinRequest) => request<JoinResponse>('POST', '/api/play/join', input, { auth: false }),
};
