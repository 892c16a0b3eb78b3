// The player's live game: one reconnecting socket, the latest `state` snapshot, and exactly-once
// answers (client answer ids, kept until acknowledged, resent after every reconnect).
import { localizeOptions } from './answer-text';
import { errorCodeMessage } from '../i18n';
import { randomId } from './ids';
import {
  addPending,
  clearPlayerSession,
  loadPending,
  settlePending,
  type PendingAnswer,
  type PlayerSession,
} from './player-session';
import {
  PROTOCOL_VERSION,
  isFatalPlayerError,
  type AnswerValue,
  type ErrorCode,
  type FatalPlayerError,
  type ServerMessage,
  type StateMsg,
} from './protocol';
import { ReconnectingSocket, type SocketStatus } from './socket';

/** Errors the server sends in reply to an `answer`; they settle the oldest answer in flight. */
const ANSWER_ERRORS = new Set<ErrorCode>(['already_answered', 'question_closed', 'invalid_choice', 'invalid_answer']);
/** Of those, the ones that refuse the answer itself: the player may answer again. */
const REFUSED_ANSWER = new Set<ErrorCode>(['invalid_choice', 'invalid_answer']);

export type EndReason = FatalPlayerError;

export class PlayerGame {
  state = $state<StateMsg | null>(null);
  /** performance.now() when the current snapshot arrived (for the countdown). */
  receivedAt = $state(0);
  status = $state<SocketStatus>('connecting');
  nickname = $state('');
  ended = $state<EndReason | null>(null);
  notice = $state<string | null>(null);
  /** The answer this client gave (or had acknowledged) per question index. */
  private answers = $state<Record<number, AnswerValue>>({});

  private readonly session: PlayerSession;
  private readonly socket: ReconnectingSocket;
  /** Answers sent on the current connection and not yet answered by ack or error, oldest first. */
  private inFlight: { answer_id: string; question_index: number }[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(session: PlayerSession) {
    this.session = session;
    this.nickname = session.nickname;
    for (const pending of loadPending(session.game_id)) this.answers[pending.question_index] = pending.answer;
    this.socket = new ReconnectingSocket({
      hello: () => ({ type: 'hello', v: PROTOCOL_VERSION, token: session.player_token }),
      onMessage: (msg) => this.handle(msg),
      onStatus: (status) => (this.status = status),
      onReady: () => this.resendPending(),
    });
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket.stop();
  }

  /** The answer to the question on screen, if this player already gave one (restored after a reload). */
  get answered(): AnswerValue | null {
    const question = this.state?.question;
    if (!question) return null;
    return this.answers[question.index] ?? this.state?.me?.answer ?? null;
  }

  answer(value: AnswerValue): void {
    const question = this.state?.question;
    if (!question || this.state?.phase !== 'question' || this.answered !== null) return;
    const pending: PendingAnswer = { answer_id: randomId(), question_index: question.index, answer: value };
    addPending(this.session.game_id, pending);
    this.answers[question.index] = value;
    this.notice = null;
    this.send(pending);
  }

  private send(pending: PendingAnswer): void {
    if (this.socket.send({ type: 'answer', ...pending })) {
      this.inFlight.push({ answer_id: pending.answer_id, question_index: pending.question_index });
    }
  }

  private resendPending(): void {
    this.inFlight = [];
    for (const pending of loadPending(this.session.game_id)) this.send(pending);
  }

  private settle(answerId: string | undefined): void {
    if (!answerId) return;
    this.inFlight = this.inFlight.filter((a) => a.answer_id !== answerId);
    settlePending(this.session.game_id, answerId);
  }

  private finish(reason: EndReason): void {
    this.ended = reason;
    this.stop();
    clearPlayerSession();
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        if (msg.nickname) this.nickname = msg.nickname;
        this.notice = null;
        break;
      case 'state':
        this.state = localizeOptions(msg);
        this.receivedAt = performance.now();
        if (msg.me?.nickname) this.nickname = msg.me.nickname;
        if (msg.question && msg.me?.answer) this.answers[msg.question.index] = msg.me.answer;
        if (msg.phase === 'podium') {
          // The game is over: nothing more will come, and the capability is no longer useful.
          this.stop();
          clearPlayerSession();
        }
        break;
      case 'answer_ack':
        this.settle(msg.answer_id);
        this.answers[msg.question_index] = msg.answer;
        break;
      case 'kicked':
        this.finish('kicked');
        break;
      case 'error':
        this.handleError(msg.code, msg.message);
        break;
      default:
        break;
    }
  }

  private handleError(code: ErrorCode, message: string): void {
    if (ANSWER_ERRORS.has(code)) {
      // Settled: the server already has an answer for that question, or it is closed, or it refused
      // this answer (then the player may try again, and is told why).
      const oldest = this.inFlight[0];
      this.settle(oldest?.answer_id);
      if (REFUSED_ANSWER.has(code) && oldest) {
        delete this.answers[oldest.question_index];
        this.notice = errorCodeMessage(code, message);
      }
      return;
    }
    if (code === 'rate_limited' && this.inFlight.length > 0) {
      this.inFlight.shift();
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.resendPending();
        }, 1000);
      }
      return;
    }
    if (isFatalPlayerError(code)) {
      if (this.state?.phase === 'podium') {
        this.stop();
        return;
      }
      this.finish(code);
      return;
    }
    this.notice = errorCodeMessage(code, message);
  }
}
