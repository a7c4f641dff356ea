/**
 * "Check this GPU", for the playground: it pauses the run, takes the
 * running network's weights, and runs the self-check (src/train/self-check.ts) on them: a few steps
 * on this adapter and on the float64 CPU path from identical weights and batches, in every plan the
 * autotuner might pick, every tensor compared under the test suite's bounds. It holds the progress
 * and the report for the check panel; the run itself is left paused and untouched.
 */
import type { ReactiveControllerHost } from 'lit';
import { cloneSpec } from '../model/spec';
import { selfCheck, type SelfCheckReport } from '../train/self-check';
import { errorText } from './error-text';
import type { RunController } from './run-controller';

/** Where the check stands. */
export interface GpuCheckState {
  /** 'idle' before the first check, 'running', 'done' with a report, or 'error' when it could not run. */
  phase: 'idle' | 'running' | 'done' | 'error';
  /** The plan being run: its index from 0, how many there are, and its name; null before the first starts. */
  progress: { index: number; total: number; plan: string } | null;
  /** The last check's report; null until one finished. */
  report: SelfCheckReport | null;
  /** Why the check could not run ('error'), in words. */
  error: string;
  /** What was checked: the network's widths and the step whose weights it started from; null before a check started. */
  checked: { widths: number[]; step: number } | null;
}

export class GpuCheck {
  private _state: GpuCheckState = { phase: 'idle', progress: null, report: null, error: '', checked: null };

  constructor(
    /** Re-renders whenever the check's state changes. */
    private readonly host: ReactiveControllerHost,
    private readonly run: RunController,
  ) {}

  /** Where the check stands. */
  get state(): Readonly<GpuCheckState> {
    return this._state;
  }

  /** Pauses the run and checks this GPU on its network, from its weights; does nothing while a check runs. */
  async start(): Promise<void> {
    if (this._state.phase === 'running') return;
    const session = this.run.session;
    if (!session || session.backend !== 'webgpu') {
      this._set({ phase: 'error', progress: null, error: 'The network trains on the CPU here, so there is no GPU to check.' });
      return;
    }
    this._set({ phase: 'running', progress: null, report: null, error: '' });
    try {
      await this.run.pause();
      const { parameters, step } = await session.snapshot();
      this._set({ checked: { widths: [...session.spec.widths], step } });
      const report = await selfCheck({
        spec: cloneSpec(session.spec),
        dataset: session.dataset,
        initialParameters: parameters,
        onProgress: (index, total, plan) => this._set({ progress: { index, total, plan } }),
      });
      this._set({ phase: 'done', report });
    } catch (error) {
      this._set({ phase: 'error', error: `The check could not run: ${errorText(error)}` });
    }
  }

  private _set(change: Partial<GpuCheckState>): void {
    this._state = { ...this._state, ...change };
    this.host.requestUpdate();
  }
}
