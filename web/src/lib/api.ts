// The REST API, typed by the server's OpenAPI document (`openapi.ts`) through openapi-fetch: paths, path
// parameters, bodies and responses are checked at compile time. Bearer auth from memory; one refresh
// attempt on 401 (the HttpOnly refresh cookie; the browser's Sec-Fetch-Site/Origin headers are what the
// server's CSRF check reads).
import createClient from 'openapi-fetch';
import { accessTokenNow, auth, clearSession, setSession } from './auth.svelte';
import type {
  Credentials,
  ErrorBody,
  FieldProblem,
  ImportResult,
  JoinRequest,
  PasswordChange,
  QuizInput,
  Session,
  UploadedImage,
} from './api-types';
import type { paths } from './openapi';
import type { ErrorCode } from './protocol';
import { errorCodeMessage, m } from '../i18n';

/** A server code, or one of the two the client makes up when there is no error body to read. */
export type ApiErrorCode = ErrorCode | 'network' | `http_${number}`;

export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  /** Validation problems by input field (`title`, `questions[1].answers[0]`, …), possibly several. */
  readonly problems: FieldProblem[];

  constructor(status: number, code: ApiErrorCode, message: string, body?: ErrorBody) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    const problems = body?.errors ?? [];
    this.problems = problems.length > 0 ? problems : body?.field ? [{ field: body.field, message }] : [];
  }
}

/** A message for any error thrown by the API layer, fit to show to a person. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return codeMessage(error.code, error.status, error.message);
  if (error instanceof Error) return error.message;
  return m.common_somethingWrong();
}

/** The current language's message for a server error code; the server's own text for a code this UI
 *  does not know yet (a newer server). */
export function codeMessage(code: string, status: number, fallback: string): string {
  if (code === 'network') return m.common_networkError();
  if (code.startsWith('http_')) return m.common_httpError({ status });
  return errorCodeMessage(code, fallback);
}

function networkError(): ApiError {
  return new ApiError(0, 'network', m.common_networkError());
}

// Proxies and the HTTP stack can answer without our JSON body, so the body is checked, not trusted.
function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const { code, message } = body as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string';
}

function failure(response: Response, body: unknown): ApiError {
  if (!isErrorBody(body)) {
    const status = response.status;
    return new ApiError(status, `http_${status}`, m.common_httpError({ status }));
  }
  return new ApiError(response.status, body.code, body.message, {
    ...body,
    errors: Array.isArray(body.errors) ? body.errors : null,
  });
}

const common = {
  headers: { Accept: 'application/json' },
  credentials: 'same-origin',
  cache: 'no-store',
} as const;

/** Calls that carry no bearer token: sign-in, registration, refresh, joining a game. */
const anonymous = createClient<paths>(common);

/** Host calls: the bearer token is added per attempt, so a retry after a refresh sends the new one. */
const authed = createClient<paths>({ ...common, fetch: authorizedFetch });

async function authorizedFetch(request: Request): Promise<Response> {
  // A request body can be read once: the retry needs its own copy, taken before the first send.
  const retry = request.clone();
  const response = await fetch(withBearer(request));
  if (response.status !== 401) return response;
  const second = (await refreshSession()) ? await fetch(withBearer(retry)) : response;
  if (second.status === 401) clearSession(); // the host area shows the login form
  return second;
}

function withBearer(request: Request): Request {
  const token = accessTokenNow();
  if (token) request.headers.set('Authorization', `Bearer ${token}`);
  return request;
}

/** Resolves to the success body, or throws an ApiError built from the `{code, message}` error body. */
async function unwrap<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch {
    throw networkError();
  }
  if (!result.response.ok) throw failure(result.response, result.error);
  // openapi-fetch leaves `data` undefined only for bodiless (204) responses, whose type is `undefined`.
  return result.data as T;
}

let refreshing: Promise<boolean> | null = null;

/** Rotates the refresh cookie and stores the new access token. Concurrent callers share one request. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    try {
      setSession(await unwrap(anonymous.POST('/api/auth/refresh')));
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

function signedIn(session: Session): Session {
  setSession(session);
  return session;
}

/**
 * A host call on a route openapi.ts does not describe yet (images, import/export, XLSX results): the same
 * bearer token, refresh on 401 and error bodies as the typed client.
 */
async function rawRequest(method: string, url: string, body?: Blob): Promise<Response> {
  let response: Response;
  try {
    response = await authorizedFetch(
      new Request(url, {
        method,
        body: body ?? null,
        headers: { Accept: 'application/json', ...(body ? { 'Content-Type': body.type || 'application/octet-stream' } : {}) },
        credentials: 'same-origin',
        cache: 'no-store',
      }),
    );
  } catch {
    throw networkError();
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    throw failure(response, parsed);
  }
  return response;
}

async function rawJson<T>(method: string, url: string, body?: Blob): Promise<T> {
  const response = await rawRequest(method, url, body);
  return (await response.json()) as T;
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header, if any. */
function attachmentName(response: Response): string | null {
  const header = response.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1]);
    } catch {
      // fall through
    }
  }
  return /filename="?([^";]+)"?/i.exec(header)?.[1] ?? null;
}

export interface Download {
  blob: Blob;
  /** The server's file name, when it sent one. */
  filename: string | null;
}

async function download(url: string): Promise<Download> {
  const response = await rawRequest('GET', url);
  return { blob: await response.blob(), filename: attachmentName(response) };
}

/** Saves a blob through a temporary object URL and a clicked `<a download>`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Where an uploaded image is served (public: players' phones load it without a token). */
export function imageUrl(id: string): string {
  return `/api/images/${encodeURIComponent(id)}`;
}

export const api = {
  register: async (credentials: Credentials) =>
    signedIn(await unwrap(anonymous.POST('/api/auth/register', { body: credentials }))),
  login: async (credentials: Credentials) =>
    signedIn(await unwrap(anonymous.POST('/api/auth/login', { body: credentials }))),
  async logout(): Promise<void> {
    try {
      await unwrap(authed.POST('/api/auth/logout'));
    } finally {
      clearSession();
    }
  },
  changePassword: async (change: PasswordChange) =>
    signedIn(await unwrap(authed.POST('/api/auth/password', { body: change }))),
  listQuizzes: () => unwrap(authed.GET('/api/quizzes')),
  getQuiz: (id: string) => unwrap(authed.GET('/api/quizzes/{id}', { params: { path: { id } } })),
  createQuiz: (quiz: QuizInput) => unwrap(authed.POST('/api/quizzes', { body: quiz })),
  updateQuiz: (id: string, quiz: QuizInput) =>
    unwrap(authed.PUT('/api/quizzes/{id}', { params: { path: { id } }, body: quiz })),
  createSampleQuiz: () => unwrap(authed.POST('/api/quizzes/sample')),
  duplicateQuiz: (id: string) => unwrap(authed.POST('/api/quizzes/{id}/duplicate', { params: { path: { id } } })),
  deleteQuiz: (id: string) => unwrap(authed.DELETE('/api/quizzes/{id}', { params: { path: { id } } })),
  startGame: (quizId: string, requirePupilId = false) =>
    unwrap(authed.POST('/api/games', { body: { quiz_id: quizId, require_pupil_id: requirePupilId } })),
  listGames: () => unwrap(authed.GET('/api/games')),
  getGame: (id: string) => unwrap(authed.GET('/api/games/{id}', { params: { path: { id } } })),
  resultsCsv: (id: string) =>
    unwrap(authed.GET('/api/games/{id}/results.csv', { params: { path: { id } }, parseAs: 'blob' })),
  resultsXlsx: (id: string) => download(`/api/games/${encodeURIComponent(id)}/results.xlsx`),
  gameReport: (id: string) => unwrap(authed.GET('/api/games/{id}/report', { params: { path: { id } } })),
  quizReport: (id: string) => unwrap(authed.GET('/api/quizzes/{id}/report', { params: { path: { id } } })),
  join: (input: JoinRequest) => unwrap(anonymous.POST('/api/play/join', { body: input })),
  /** Uploads the file's bytes as they are; the server checks the format and size. */
  uploadImage: (file: Blob) => rawJson<UploadedImage>('POST', '/api/images', file),
  deleteImage: async (id: string) => {
    await rawRequest('DELETE', imageUrl(id));
  },
  /** A Cahoot quiz JSON or a Kahoot spreadsheet (.xlsx); `title` is the file name, for a spreadsheet's title. */
  importQuiz: (file: File) =>
    rawJson<ImportResult>('POST', `/api/quizzes/import?title=${encodeURIComponent(file.name)}`, file),
  exportQuiz: (id: string) => download(`/api/quizzes/${encodeURIComponent(id)}/export`),
};
