// True/false questions are stored and sent with the options "True" and "False" (the server requires
// exactly those); screens show them in the UI language. Applied to each state as it arrives, so every
// component (tiles, reveal, "answer sent") reads the localized texts.
import { m } from '../i18n';
import type { StateMsg } from './protocol';

const STORED = ['True', 'False'];

export function localizeOptions(state: StateMsg): StateMsg {
  const q = state.question;
  if (!q || q.kind !== 'true_false' || q.answers.length !== 2 || q.answers.some((a, i) => a !== STORED[i])) return state;
  return { ...state, question: { ...q, answers: [m.common_true(), m.common_false()] } };
}
