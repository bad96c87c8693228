// A request/response session with a node over any Transport (serial port, pty). Frames are decoded as they
// arrive; each typed message goes to the waiting request (matched by message type and, for KEYPOINTS and
// ACK/ERROR, by the sequence number it refers to) or to the onMessage listeners (live CSI_PACKET, KEYPOINTS,
// STATS). Frame faults seen on the host side are counted in `faults`, never thrown away silently.
//
//   const s = new NodeSession(transport);
//   const info = await s.hello();
//   const kp = await s.runWindow(seq, int16Window);   // -> KEYPOINTS message
//   const st = await s.stats();
//   s.close();
import type { Transport } from '../transport/transport.ts';
import { ProtocolError } from './errors.ts';
import { PortClosedError } from '../transport/errors.ts';
import { FrameDecoder, type FrameFault } from './frame.ts';
import { decodeMessage, encodeMessage, ErrorCode, INFO_VERSION, MessageType, type InfoMessage, type Message } from './messages.ts';
import { escapeTerminal } from '../../io/terminal-text.ts';

type Of<T extends Message['type']> = Extract<Message, { type: T }>;

interface Waiter {
  accept(m: Message): boolean;
  resolve(m: Message): void;
  reject(err: Error): void;
}

export class NodeSession {
  readonly faults: Record<FrameFault | 'message', number> = { framing: 0, oversize: 0, crc: 0, magic: 0, version: 0, length: 0, message: 0 };
  private readonly decoder = new FrameDecoder();
  private readonly waiters: Waiter[] = [];
  private readonly listeners = new Set<(m: Message) => void>();
  private readonly off: () => void;
  private readonly offClose: () => void;
  private seq = 0;
  /** Why the link went away, once it has: pending and later requests fail with PortClosedError at once. */
  closedReason: string | null = null;
  /** Frame sequence numbers of the last frame sent and of the last good frame received (for "stopped at" messages). */
  lastSentSeq: number | null = null;
  lastReceivedSeq: number | null = null;

  constructor(
    readonly transport: Transport,
    readonly timeoutMs = 5000,
  ) {
    this.off = transport.onData((chunk) => this.onBytes(chunk));
    this.offClose = transport.onClose((reason) => {
      this.closedReason = reason;
      const err = new PortClosedError(transport.name, reason);
      for (const w of this.waiters.splice(0)) w.reject(err);
    });
  }

  onMessage(listener: (m: Message) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends one message; returns the frame sequence number used. */
  async send(m: Message): Promise<number> {
    const seq = this.nextSeq();
    await this.transport.write(encodeMessage(m, seq));
    return seq;
  }

  private nextSeq(): number {
    const seq = this.seq;
    this.seq = (seq + 1) & 0xffff;
    this.lastSentSeq = seq;
    return seq;
  }

  /** Raw bytes (for tests that inject noise). */
  sendRaw(bytes: Uint8Array): Promise<void> {
    return this.transport.write(bytes);
  }

  /** INFO version 2 (CSI fields), or version 1 from an older node (see helloWithRetries). */
  async hello(): Promise<InfoMessage> {
    const isInfo = (m: Message): m is InfoMessage => m.type === 'INFO';
    try {
      return await this.request({ type: 'HELLO', infoVersion: INFO_VERSION }, isInfo);
    } catch (err) {
      // A node older than INFO version 2 refuses a HELLO with a payload (error 3, bad length).
      if (!(err instanceof ProtocolError && err.kind === 'node-error' && err.nodeError?.code === ErrorCode.BAD_LENGTH)) throw err;
      return this.request({ type: 'HELLO' }, isInfo);
    }
  }

  stats(): Promise<Of<'STATS'>> {
    return this.request({ type: 'GET_STATS' }, (m): m is Of<'STATS'> => m.type === 'STATS');
  }

  runWindow(windowSeq: number, window: Int16Array): Promise<Of<'KEYPOINTS'>> {
    return this.request({ type: 'CSI_WINDOW', windowSeq, window }, (m): m is Of<'KEYPOINTS'> => m.type === 'KEYPOINTS' && m.windowSeq === windowSeq >>> 0);
  }

  async control(m: Of<'STREAM_START'> | Of<'STREAM_STOP'> | Of<'RESET_STATS'>): Promise<void> {
    await this.request(m, (r): r is Of<'ACK'> => r.type === 'ACK' && r.ackedType === MessageType[m.type]);
  }

  /**
   * Sends `m` and waits for the first message satisfying `want`; an ERROR referring to this request's
   * sequence number rejects with the node's text.
   */
  async request<R extends Message>(m: Message, want: (r: Message) => r is R, timeoutMs = this.timeoutMs): Promise<R> {
    // The sequence number is fixed before writing: the answer can arrive before write() resolves.
    const seq = this.nextSeq();
    if (this.closedReason !== null) throw new PortClosedError(this.transport.name, this.closedReason);
    let settle!: (r: Message) => void;
    let fail!: (err: Error) => void;
    const done = new Promise<Message>((res, rej) => {
      settle = res;
      fail = rej;
    });
    const waiter: Waiter = {
      accept: (r) => want(r) || (r.type === 'ERROR' && r.refSeq === seq && r.refType === MessageType[m.type]),
      resolve: settle,
      reject: fail,
    };
    // The link can close while the write below is still pending; the rejection is read by the race.
    done.catch(() => {});
    this.waiters.push(waiter);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new ProtocolError('timeout', `${this.transport.name}: no answer to ${m.type} (seq ${seq}) within ${timeoutMs} ms`)), timeoutMs);
    });
    timeout.catch(() => {});
    try {
      await this.transport.write(encodeMessage(m, seq));
      const r = await Promise.race([done, timeout]);
      if (r.type === 'ERROR') {
        // The node's text is untrusted: it reaches terminals through this message.
        const text = escapeTerminal(r.text);
        throw new ProtocolError('node-error', `${this.transport.name}: node answered ${m.type} (seq ${seq}) with error ${r.code}: ${text}`, { code: r.code, text });
      }
      return r as R;
    } finally {
      clearTimeout(timer);
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    }
  }

  close(): void {
    this.off();
    this.offClose();
  }

  private onBytes(chunk: Uint8Array): void {
    for (const ev of this.decoder.push(chunk)) {
      if (ev.kind === 'fault') {
        this.faults[ev.fault]++;
        continue;
      }
      let m: Message;
      try {
        m = decodeMessage(ev.frame);
      } catch {
        this.faults.message++;
        continue;
      }
      this.lastReceivedSeq = ev.frame.seq;
      const w = this.waiters.find((x) => x.accept(m));
      if (w) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
      for (const l of this.listeners) l(m);
    }
  }
}
