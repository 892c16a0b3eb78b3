// A WebSocket that reconnects by itself: first retry at once, then exponential backoff with jitter
// capped at 5 s. Every (re)connect sends a fresh `hello` built by the caller.
import { parseServerMsg, type ClientMessage, type HelloMsg, type ServerMessage } from './protocol';

export type SocketStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface SocketOptions {
  /** Builds the first frame of each connection (may refresh a token first). */
  hello: () => Promise<HelloMsg> | HelloMsg;
  onMessage: (msg: ServerMessage) => void;
  onStatus?: (status: SocketStatus) => void;
  /** Called once the server has welcomed this connection. */
  onReady?: () => void;
  url?: string;
}

const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;
const STABLE_AFTER_MS = 2000;

export function socketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/ws`;
}

/** Delay before reconnect attempt `attempt` (0-based): 0, then ~250, 500, 1000 … ms with jitter, ≤ 5 s. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export class ReconnectingSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private ready = false;
  private welcomedAt = 0;
  private status: SocketStatus = 'connecting';
  private readonly options: SocketOptions;
  private readonly onOnline = () => this.reconnectNow();

  constructor(options: SocketOptions) {
    this.options = options;
  }

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.open();
  }

  /** Stops for good (navigation away, kicked, game over). */
  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.setStatus('stopped');
  }

  /** Drops the current connection and connects again without delay. */
  reconnectNow(): void {
    if (this.stopped) return;
    this.attempt = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      ws.close(1000);
    }
    this.setStatus('reconnecting');
    this.open();
  }

  /** True when a welcomed connection can take messages. */
  get isReady(): boolean {
    return this.ready && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends on the live connection; returns false (message dropped) when not connected. */
  send(msg: ClientMessage): boolean {
    if (!this.isReady || !this.ws) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private setStatus(status: SocketStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }

  private open(): void {
    if (this.stopped) return;
    this.ready = false;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.options.url ?? socketUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = async () => {
      try {
        const hello = await this.options.hello();
        if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(hello));
      } catch {
        if (this.ws === ws) ws.close();
      }
    };
    ws.onmessage = (event: MessageEvent) => {
      if (this.ws !== ws) return;
      const msg = parseServerMsg(event.data);
      if (!msg) return;
      if (msg.type === 'welcome') {
        this.ready = true;
        this.welcomedAt = Date.now();
        this.setStatus('open');
      }
      this.options.onMessage(msg);
      if (msg.type === 'welcome') this.options.onReady?.();
      if (msg.type === 'reconnect') this.reconnectNow();
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      // A connection that lived a while gets an immediate retry; one that keeps dropping right after
      // the handshake keeps backing off instead of spinning.
      if (this.ready && Date.now() - this.welcomedAt > STABLE_AFTER_MS) this.attempt = 0;
      this.ws = null;
      this.ready = false;
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      // `close` follows `error`; reconnecting happens there.
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus('reconnecting');
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.open();
    }, delay);
  }
}

function detach(ws: WebSocket): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}
