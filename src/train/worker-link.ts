/**
 * The page's side of a Web Worker that a Session adapter drives through Comlink (the CPU worker,
 * the WebAssembly worker). Comlink alone leaves a call pending forever when the worker dies; here
 * every call races the worker's end, so calls made after it, or waiting when it comes, reject
 * with the reason instead.
 *
 * A worker that fails (its script does not load, an error escapes it, a message from it cannot be
 * read) is stopped, whatever state the error left it in being untrusted, and `onFailure` hears the
 * reason once.
 */
import * as Comlink from 'comlink';

export class WorkerLink<T> {
  /** Receives the failure in the worker's own words, once, when the worker fails; never for terminate(). */
  onFailure: ((reason: string) => void) | undefined = undefined;
  private readonly remote: Comlink.Remote<T>;
  /** Why the worker answers no more (it failed, or terminate() ended it); null while it works. */
  private endReason: Error | null = null;
  /** Rejects with endReason when the worker ends, so calls still waiting for it reject too. */
  private readonly ended: Promise<never>;
  private rejectEnded: (error: Error) => void = () => undefined;

  constructor(
    private readonly worker: Worker,
    /** The worker as messages name it, e.g. "the CPU worker". */
    private readonly name: string,
  ) {
    this.ended = new Promise<never>((_, reject) => {
      this.rejectEnded = reject;
    });
    // The rejection is read by the calls racing it; with none waiting it is not an unhandled error.
    this.ended.catch(() => undefined);
    worker.addEventListener('error', (event) => this.fail(workerErrorText(event)));
    worker.addEventListener('messageerror', () => this.fail('a message from the worker could not be read'));
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

  /** The worker failed: it is stopped, calls reject from now on, and onFailure hears of it. */
  private fail(reason: string): void {
    if (this.endReason) return;
    this.terminate(new Error(`${this.name} failed: ${reason}`));
    this.onFailure?.(reason);
  }

  private end(reason: Error): void {
    if (this.endReason) return;
    this.endReason = reason;
    this.rejectEnded(reason);
  }
}

/** What a worker's error event says: the escaped error and where it was thrown, or that the script did not load. */
function workerErrorText(event: Event): string {
  // A plain Event, or an ErrorEvent without a message, means the worker's script could not be loaded at all.
  if (!(event instanceof ErrorEvent) || !event.message) return 'its script did not load';
  const place = event.filename ? ` (${event.filename.split('/').pop()}:${event.lineno}:${event.colno})` : '';
  return `${event.message}${place}`;
}
