// REST types, taken from `openapi.ts`, which `make contracts` generates (openapi-typescript) from the
// server's OpenAPI document (docs/openapi.json). Only names are given here; the shapes come from the server.
import type { components } from './openapi';

type Schemas = components['schemas'];

export type User = Schemas['UserView'];
export type Session = Schemas['Session'];
export type Credentials = Schemas['Credentials'];
export type PasswordChange = Schemas['PasswordChange'];
export type QuestionKind = Schemas['QuestionKind'];
export type PointsMode = Schemas['PointsMode'];
export type Question = Schemas['Question'];
export type QuizInput = Schemas['QuizInput'];
export type Quiz = Schemas['Quiz'];
export type QuizSummary = Schemas['QuizSummary'];
export type GameSummary = Schemas['GameSummary'];
export type GameResults = Schemas['FinishedGame'];
export type JoinRequest = Schemas['JoinRequest'];
export type JoinResponse = Schemas['JoinResponse'];
/** Error body of every failed request. `field`/`errors` are present for validation errors only. */
export type ErrorBody = Schemas['ErrorBody'];
export type FieldProblem = Schemas['FieldProblem'];
export type SliderSpec = Schemas['SliderSpec'];
export type QuestionStats = Schemas['QuestionStats'];
export type TextCount = Schemas['TextCount'];
export type GameReport = Schemas['GameReport'];
export type QuizReport = Schemas['QuizReport'];

// Routes being built on other branches, typed here by their agreed contract until openapi.ts has them.

/** `POST /api/images` → 201. */
export interface UploadedImage {
  /** 64 lowercase hex characters: what a question's `image` holds. */
  id: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  url: string;
}

/** A spreadsheet row the import skipped, and why. */
export interface ImportRowError {
  row: number;
  message: string;
}

/** `POST /api/quizzes/import` → 201. */
export interface ImportResult {
  quiz: Quiz;
  errors: ImportRowError[];
}
export type PlayerResult = Schemas['PlayerResult'];
