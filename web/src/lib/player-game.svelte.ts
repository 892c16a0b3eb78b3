// The player's live game: one reconnecting socket, the latest `state` snapshot, and exactly-once
// answers (client answer ids, kept until acknowledged, resent after every reconnect).
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
  type ErrorCode,
  type FatalPlayerError,
  type ServerMessage,
  type StateMsg,
} from './protocol';
import { ReconnectingSocket, type SocketStatus } from './socket';

/** Errors the server sends in reply to an `answer`; they settle the oldest answer in flight. */
const ANSWER_ERRORS = new Set<ErrorCode>(['already_answered', 'question_closed', 'invalid_choice']);

export type EndReason = FatalPlayerError;

export class PlayerGame {
  state = $state<StateMsg | null>(null);
  /** performance.now() when the current snapshot arrived (for the countdown). */
  receivedAt = $state(0);
  status = $state<SocketStatus>('connecting');
  nickname = $state('');
  ended = $state<EndReason | null>(null);
  notice = $state<string | null>(null);
  /** The choice this client made (or had acknowledged) per question index. */
  private choices = $state<Record<number, number>>({});

  private readonly session: PlayerSession;
  private readonly socket: ReconnectingSocket;
  /** Answer ids sent on the current connection and not yet answered by ack or error, oldest first. */
  private inFlight: string[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(session: PlayerSession) {
    this.session = session;
    this.nickname = session.nickname;
    for (const pending of loadPending(session.game_id)) this.choices[pending.question_index] = pending.choice;
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

  /** The choice for the question on screen, if this player already answered it. */
  get answeredChoice(): number | null {
    const question = this.state?.question;
    if (!question) return null;
    const local = this.choices[question.index];
    if (local !== undefined) return local;
    const fromServer = this.state?.me?.answered_choice;
    return fromServer ?? null;
  }

  answer(choice: number): void {
    const question = this.state?.question;
    if (!question || this.state?.phase !== 'question' || this.answeredChoice !== null) return;
    const pending: PendingAnswer = { answer_id: randomId(), question_index: question.index, choice };
    addPending(this.session.game_id, pending);
    this.choices[question.index] = choice;
    this.send(pending);
  }

  private send(pending: PendingAnswer): void {
    if (this.socket.send({ type: 'answer', ...pending })) this.inFlight.push(pending.answer_id);
  }

  private resendPending(): void {
    this.inFlight = [];
    for (const pending of loadPending(this.session.game_id)) this.send(pending);
  }

  private settle(answerId: string | undefined): void {
    if (!answerId) return;
    this.inFlight = this.inFlight.filter((id) => id !== answerId);
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
        this.state = msg;
        this.receivedAt = performance.now();
        if (msg.me?.nickname) this.nickname = msg.me.nickname;
        if (msg.question && msg.me?.answered_choice != null) this.choices[msg.question.index] = msg.me.answered_choice;
        if (msg.phase === 'podium') {
          // The game is over: nothing more will come, and the capability is no longer useful.
          this.stop();
          clearPlayerSession();
        }
        break;
      case 'answer_ack':
        this.settle(msg.answer_id);
        this.choices[msg.question_index] = msg.choice;
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
      // Settled: the server already has an answer for that question, or it is closed.
      this.settle(this.inFlight[0]);
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
    this.notice = message;
  }
}
