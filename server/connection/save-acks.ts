/**
 * Durable-save acknowledgements for one connection that opted in (`?tandem=1`): counts the
 * update-bearing frames it received, in order, and reports how many of them are durable.
 */
import { encodeSaved } from '../../shared/protocol.js';

/** Tracks the frames of one connection and sends `[Saved, count]` as they become durable. */
export class SaveAcks {
  private received = 0;
  private saved = 0;
  private sentCount = 0;
  private sendScheduled = false;
  private failed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: (frame: Uint8Array) => void,
    private readonly onWriteFailed: (error: unknown) => void,
  ) {}

  /**
   * Counts one update-bearing frame whose changes settle with `durable`. Acks go out in order:
   * a frame is saved only when every earlier frame is too.
   */
  track(durable: Promise<void>): void {
    const count = ++this.received;
    this.chain = this.chain
      .then(() => durable)
      .then(() => {
        this.saved = count;
        this.scheduleSend();
      });
    // A failed write rejects every later link of the chain: report it once.
    this.chain.catch((error: unknown) => {
      if (this.failed) return;
      this.failed = true;
      this.onWriteFailed(error);
    });
  }

  /** Frames of one storage batch settle together: one ack per turn carries the latest count. */
  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      if (this.saved === this.sentCount) return;
      this.sentCount = this.saved;
      this.send(encodeSaved(this.saved));
    });
  }
}
