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
