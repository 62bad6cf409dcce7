/**
 * Which local changes the server has durably saved, from the durable-save acknowledgement
 * (shared/protocol.ts `Saved`). The server counts the update-bearing frames a connection sent and
 * acknowledges how many of them, in order, are in storage; this tracker counts the same frames on
 * the client's current socket, and remembers how many local changes each one carries, so that
 * "N local changes" stays exact across disconnects.
 */
import { isUpdateFrame, SyncMessageType } from '../../shared/protocol.js';

/** Counts of one session's unsaved work. */
export class SaveTracker {
  /** Local changes not carried by any frame sent on the current socket. */
  private pending = 0;
  /** For each frame sent on the current socket and not yet acknowledged: the changes it carries. */
  private unacked: number[] = [];
  /** Update frames sent on the current socket. */
  private sent = 0;
  /** Of those, how many the server acknowledged as saved. */
  private acked = 0;

  /** A new socket starts: whatever the old one sent without acknowledgement is unsaved again. */
  socketStarted(): void {
    this.pending += this.unacked.reduce((sum, changes) => sum + changes, 0);
    this.unacked = [];
    this.sent = 0;
    this.acked = 0;
  }

  /**
   * A frame goes out on the current socket. Sync step 2 carries everything the server lacks, so
   * every pending change rides on it; an update frame carries the one change that produced it.
   */
  frameSent(frame: Uint8Array): void {
    if (!isUpdateFrame(frame)) return;
    this.sent++;
    if (frame[1] === SyncMessageType.Step2) {
      this.unacked.push(this.pending);
      this.pending = 0;
    } else {
      this.unacked.push(1);
    }
  }

  /** A local change was made that no socket carried (the socket was not open). */
  changeNotSent(): void {
    this.pending++;
  }

  /** The server saved the first `savedCount` update frames of the current socket. */
  savedUpTo(savedCount: number): void {
    const newlySaved = Math.min(savedCount, this.sent) - this.acked;
    if (newlySaved <= 0) return;
    this.unacked.splice(0, newlySaved);
    this.acked += newlySaved;
  }

  /** Local changes not yet known to be in the server's storage. */
  get unsavedChanges(): number {
    return this.pending + this.unacked.reduce((sum, changes) => sum + changes, 0);
  }

  /** True when every frame sent on this socket is acknowledged and no change awaits a socket. */
  get saved(): boolean {
    return this.pending === 0 && this.unacked.length === 0;
  }
}
