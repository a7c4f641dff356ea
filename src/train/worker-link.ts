/**
 * The page's side of a Web Worker that a Session adapter drives through Comlink (the CPU worker,
 * the WebAssembly worker). Comlink alone leaves a call pending forever when the worker dies; here
 * every call races the worker's end, so calls made after it, or waiting when it comes, reject
 * with the reason instead.
 */
import * as Comlink from 'comlink';

export class WorkerLink<T> {
  private readonly remote: Comlink.Remote<T>;
  /** Why the worker answers no more (it failed, or terminate() ended it); null while it works. */
  private endReason: Error | null = null;
  /** Rejects with endReason when the worker ends, so calls still waiting for it reject too. */
  private readonly ended: Promise<never>;
  private rejectEnded: (error: Error) => void = () => undefined;

  constructor(
    private readonly worker: Worker,
    /** The worker as messages name it, e.g. "the CPU worker". */
    name: string,
  ) {
    this.ended = new Promise<never>((_, reject) => {
      this.rejectEnded = reject;
    });
    // The rejection is read by the calls racing it; with none waiting it is not an unhandled error.
    this.ended.catch(() => undefined);
    // A plain Event without a message means the worker's script could not be loaded at all.
    worker.addEventListener('error', (event) => this.end(new Error(`${name} failed: ${event.message || 'its script did not load'}`)));
    this.remote = Comlink.wrap<T>(worker);
  }

  /** Makes `request` of the worker; rejects instead once the worker has ended, or when it ends before answering. */
  call<R>(request: (worker: Comlink.Remote<T>) => Promise<R>): Promise<R> {
    if (this.endReason) return Promise.reject(this.endReason);
    return Promise.race([request(this.remote), this.ended]);
  }

  /** Stops the worker at once; calls from now on, and those still waiting, reject with `reason`. */
  terminate(reason: Error): void {
    this.worker.terminate();
    this.end(reason);
  }

  private end(reason: Error): void {
    if (this.endReason) return;
    this.endReason = reason;
    this.rejectEnded(reason);
  }
}
