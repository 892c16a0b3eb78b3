// The host's live game: a reconnecting socket authenticated by the access token (refreshed when the
// server says it expired), the latest snapshot, and the live updates between snapshots.
import { errorCodeMessage, m } from '../i18n';
import { refreshSession } from './api';
import { accessTokenNow, clearSession } from './auth.svelte';
import { PROTOCOL_VERSION, type HelloMsg, type HostCommand, type ServerMessage, type StateMsg } from './protocol';
import { ReconnectingSocket, type SocketStatus } from './socket';

export interface AnswerProgress {
  question_index: number;
  answered: number;
  total: number;
}

export class HostGame {
  state = $state<StateMsg | null>(null);
  receivedAt = $state(0);
  status = $state<SocketStatus>('connecting');
  progress = $state<AnswerProgress | null>(null);
  notice = $state<string | null>(null);
  ended = $state<string | null>(null);

  private readonly gameId: string;
  private readonly socket: ReconnectingSocket;
  private tokenRejected = false;
  /** A slide the host moved on from: once it is closed, the next question opens without a leaderboard. */
  private leavingSlide: number | null = null;

  constructor(gameId: string) {
    this.gameId = gameId;
    this.socket = new ReconnectingSocket({
      hello: () => this.hello(),
      onMessage: (msg) => this.handle(msg),
      onStatus: (status) => (this.status = status),
    });
  }

  start(): void {
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  get connected(): boolean {
    return this.status === 'open';
  }

  command(cmd: HostCommand): void {
    this.notice = null;
    if (!this.socket.send(cmd)) this.notice = m.host_notConnected();
  }

  /**
   * Next from a slide: close it, then (when its reveal arrives) open the next question at once. A slide has
   * no answers, so neither its reveal nor a leaderboard is worth a second click.
   */
  leaveSlide(index: number): void {
    const phase = this.state?.phase;
    if (phase === 'question') {
      this.leavingSlide = index;
      this.command({ type: 'skip', question_index: index });
    } else {
      this.leavingSlide = null;
      this.command({ type: 'skip' });
    }
  }

  private async hello(): Promise<HelloMsg> {
    let token = accessTokenNow();
    if (!token || this.tokenRejected) {
      this.tokenRejected = false;
      token = (await refreshSession()) ? accessTokenNow() : null;
    }
    if (!token) {
      this.stop();
      clearSession();
      throw new Error('signed out');
    }
    return { type: 'hello', v: PROTOCOL_VERSION, token, game_id: this.gameId };
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'state': {
        this.state = msg;
        this.receivedAt = performance.now();
        const q = msg.question;
        this.progress =
          msg.phase === 'question' && q
            ? { question_index: q.index, answered: q.answered, total: msg.player_count }
            : null;
        if (msg.phase === 'podium') this.stop();
        if (msg.phase === 'reveal' && msg.reveal && msg.reveal.index === this.leavingSlide) {
          this.leavingSlide = null;
          this.command({ type: 'skip' });
        } else if (msg.phase !== 'reveal' && msg.question?.index !== this.leavingSlide) {
          this.leavingSlide = null;
        }
        break;
      }
      case 'player_joined': {
        const s = this.state;
        if (!s) break;
        const players = (s.players ?? []).filter((p) => p.id !== msg.player.id);
        players.push(msg.player);
        this.state = { ...s, players, player_count: msg.player_count };
        break;
      }
      case 'player_left': {
        const s = this.state;
        if (!s) break;
        const players = (s.players ?? []).filter((p) => p.id !== msg.player_id);
        this.state = { ...s, players, player_count: msg.player_count };
        break;
      }
      case 'answer_count':
        if (this.state?.question?.index === msg.question_index) this.progress = { ...msg };
        break;
      case 'error':
        if (msg.code === 'unauthorized') {
          // The access token expired: the socket closes; the next hello refreshes it first.
          this.tokenRejected = true;
        } else if (msg.code === 'game_not_found' || msg.code === 'not_host') {
          this.ended = errorCodeMessage(msg.code, msg.message);
          this.stop();
        } else if (msg.code !== 'question_closed') {
          // `question_closed` answers a skip that raced the question's own close: the reveal follows.
          this.notice = errorCodeMessage(msg.code, msg.message);
        }
        break;
      default:
        break;
    }
  }
}
