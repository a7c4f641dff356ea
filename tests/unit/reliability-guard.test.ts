/**
 * GuardedSession driven through faults injected at the Session interface: a metric replaced by
 * NaN or Infinity at a chosen step (to check each figure and layer is named), and the 'device-lost'
 * error a GPU session reports, with recovery checked against an uninterrupted float64 run.
 */
import { describe, expect, it } from 'vitest';
import { CpuSession } from '../../src/train/cpu-session';
import { CpuTrainer } from '../../src/cpu/trainer';
import type { Dataset } from '../../src/model/dataset';
import { makeSyntheticDataset } from '../../src/data/synthetic';
import type { LossName } from '../../src/model/losses';
import { cloneSpec, DEFAULT_SPEC, type NetworkSpec } from '../../src/model/spec';
import { GuardedSession, type GuardEvent } from '../../src/train/guarded-session';
import type { Session, SessionError, StepMetrics, TrainerSnapshot } from '../../src/model/session';

const dataset = makeSyntheticDataset({ kind: 'circle', samples: 200, seed: 4 });
const spec: NetworkSpec = {
  ...cloneSpec(DEFAULT_SPEC),
  widths: [2, 5, 4, 1],
  hiddenActivations: ['tanh', 'relu'],
  optimizer: { ...DEFAULT_SPEC.optimizer, kind: 'momentum', learningRate: 0.3 },
  batchSize: 16,
};

/**
 * A CpuSession whose metrics can be corrupted at one step, and which reports errors the way a GPU
 * session does (through onError, after the call that caused them returned).
 */
class FaultInjectingSession implements Session {
  readonly backend = 'cpu' as const;
  onError: ((error: SessionError) => void) | undefined = undefined;
  disposed = false;
  private readonly inner: CpuSession;

  constructor(
    sessionSpec: NetworkSpec,
    sessionData: Dataset,
    private readonly corruption: { step: number; apply: (metrics: StepMetrics) => void } | null = null,
  ) {
    this.inner = new CpuSession(sessionSpec, sessionData);
  }

  get spec(): NetworkSpec {
    return this.inner.spec;
  }
  get dataset(): Dataset {
    return this.inner.dataset;
  }
  get stepsTaken(): number {
    return this.inner.stepsTaken;
  }
  train(steps: number): Promise<void> {
    return this.inner.train(steps);
  }
  setLoss(loss: LossName): void {
    this.inner.setLoss(loss);
  }
  async takeMetrics(): Promise<StepMetrics[]> {
    const metrics = await this.inner.takeMetrics();
    for (const m of metrics) if (this.corruption && m.step === this.corruption.step) this.corruption.apply(m);
    return metrics;
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  snapshot(): Promise<TrainerSnapshot> {
    return this.inner.snapshot();
  }
  restore(snapshot: TrainerSnapshot): Promise<void> {
    return this.inner.restore(snapshot);
  }
  evaluate(inputs: Float32Array, count: number): Promise<Float32Array> {
    return this.inner.evaluate(inputs, count);
  }
  dispose(): void {
    this.disposed = true;
    this.inner.dispose();
  }
  /** Reports `error` as the GPU session does: from outside any call. */
  report(error: SessionError): void {
    this.onError?.(error);
  }
}

/** A guard over FaultInjectingSessions, with every session the factory made and every event. */
async function guarded(
  options: { corruption?: ConstructorParameters<typeof FaultInjectingSession>[2]; failAfter?: number } = {},
) {
  const sessions: FaultInjectingSession[] = [];
  const events: GuardEvent[] = [];
  const guard = await GuardedSession.create({
    createSession: async () => {
      if (options.failAfter !== undefined && sessions.length >= options.failAfter) throw new Error('no adapter was found');
      const session = new FaultInjectingSession(spec, dataset, options.corruption ?? null);
      sessions.push(session);
      return session;
    },
    onStatus: (event) => events.push(event),
    snapshotEverySteps: 10,
    // Steps alone set the cadence here, so which snapshot is kept does not depend on timing.
    minSnapshotIntervalMs: 0,
  });
  return { guard, sessions, events };
}

const DEVICE_LOST: SessionError = { kind: 'device-lost', message: 'the GPU device was lost (destroyed): injected' };

describe('the guard names the first non-finite figure', () => {
  const cases: { name: string; apply: (m: StepMetrics) => void; metric: string; layer: number | null; fragment: string }[] = [
    { name: 'MSE NaN', apply: (m) => (m.losses.mse = NaN), metric: 'mse', layer: null, fragment: 'the mean squared error is NaN' },
    { name: 'cross-entropy Infinity', apply: (m) => (m.losses.cross_entropy = Infinity), metric: 'cross_entropy', layer: null, fragment: 'the cross-entropy is Infinity' },
    { name: 'output delta NaN', apply: (m) => (m.outputDeltaNorm = NaN), metric: 'outputDeltaNorm', layer: null, fragment: 'output delta ∂L/∂z is NaN' },
    { name: 'layer 1 weights Infinity', apply: (m) => (m.gradNormW[0] = Infinity), metric: 'gradNormW', layer: 1, fragment: "the gradient of layer 1's weights (of 3 weight layers) is Infinity" },
    { name: 'layer 2 biases NaN', apply: (m) => (m.gradNormB[1] = NaN), metric: 'gradNormB', layer: 2, fragment: "the gradient of layer 2's biases (of 3 weight layers) is NaN" },
    {
      // Backpropagation reaches layer 3 before layer 1, so layer 3 is where the fault began.
      name: 'layers 1 and 3 both Infinity',
      apply: (m) => {
        m.gradNormW[0] = Infinity;
        m.gradNormW[2] = Infinity;
      },
      metric: 'gradNormW',
      layer: 3,
      fragment: "layer 3's weights",
    },
    { name: 'global norm Infinity', apply: (m) => (m.globalGradNorm = Infinity), metric: 'globalGradNorm', layer: null, fragment: 'the global gradient norm is Infinity' },
  ];
  for (const { name, apply, metric, layer, fragment } of cases) {
    it(`${name} at step 23`, async () => {
      const { guard, events } = await guarded({ corruption: { step: 23, apply } });
      const seen: StepMetrics[] = [];
      for (let call = 0; call < 4; call++) {
        await guard.train(10).catch(() => undefined);
        seen.push(...(await guard.takeMetrics()));
      }
      expect(guard.fault).toMatchObject({ step: 23, metric, layer, layerCount: 3 });
      expect(seen.map((m) => m.step)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(events.map((e) => e.kind)).toEqual(['non-finite']);
      expect(events[0].message).toContain('Step 23: ');
      expect(events[0].message).toContain(fragment);
      // train(10) calls meet a due snapshot at 0, 10 and 20; 20's own metrics were finite, so it is kept.
      expect(events[0].message).toContain('the parameters of step 20 are kept');
      expect(guard.lastGoodSnapshot?.step).toBe(20);
      await expect(guard.train(1)).rejects.toThrow(/training is stopped: .* at step 23/);
    });
  }

  it('cross-entropy NaN of a linear output is no fault', async () => {
    const linearSpec: NetworkSpec = { ...spec, outputActivation: 'linear', loss: 'mse' };
    const guard = await GuardedSession.create({ createSession: async () => new CpuSession(linearSpec, dataset) });
    await guard.train(30);
    const metrics = await guard.takeMetrics();
    expect(metrics).toHaveLength(30);
    expect(metrics.every((m) => Number.isNaN(m.losses.cross_entropy))).toBe(true);
    expect(guard.condition).toBe('ready');
  });

  it('a snapshot confirmed only by the faulty step itself is not kept', async () => {
    // The fault is at step 20, the step the snapshot of step 20 computes first: that snapshot is not good.
    const { guard, events } = await guarded({ corruption: { step: 20, apply: (m) => (m.losses.mse = Infinity) } });
    for (let call = 0; call < 4; call++) await guard.train(10).catch(() => undefined);
    await guard.takeMetrics();
    expect(guard.fault?.step).toBe(20);
    expect(guard.lastGoodSnapshot?.step).toBe(10);
    expect(events[0]).toMatchObject({ kind: 'non-finite', keptStep: 10 });
  });
});

describe('snapshot cadence', () => {
  it('waits minSnapshotIntervalMs between snapshots however many steps pass', async () => {
    const guard = await GuardedSession.create({
      createSession: async () => new CpuSession(spec, dataset),
      snapshotEverySteps: 10,
      minSnapshotIntervalMs: 60_000,
    });
    for (let call = 0; call < 5; call++) await guard.train(10);
    await guard.takeMetrics();
    // Only the snapshot taken at creation exists: the next is due by steps but not by time.
    expect(guard.lastGoodSnapshot?.step).toBe(0);
  });

  it('refuses a cadence that is not a whole number of steps', async () => {
    await expect(GuardedSession.create({ createSession: async () => new CpuSession(spec, dataset), snapshotEverySteps: 0 })).rejects.toThrow(
      'snapshotEverySteps must be a whole number of at least 1, got 0',
    );
  });
});

describe('device loss: a new session continues from the last snapshot', () => {
  /** An uninterrupted run: `mseSteps` steps of MSE, then cross-entropy. */
  function referenceRun(steps: number, mseSteps: number): CpuTrainer {
    const trainer = new CpuTrainer(spec, dataset);
    for (let step = 0; step < steps; step++) {
      if (step === mseSteps) trainer.setLoss('cross_entropy');
      trainer.step();
    }
    return trainer;
  }

  it('restores parameters, optimizer state, step and loss, and ends exactly where an uninterrupted run ends', async () => {
    const { guard, sessions, events } = await guarded();
    for (let call = 0; call < 3; call++) await guard.train(10);
    await guard.train(5);
    const taken = await guard.takeMetrics();
    expect(taken.map((m) => m.step)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    const kept = guard.lastGoodSnapshot!;
    expect(kept.step).toBe(30);
    await guard.train(2);
    // The user switches the loss after the snapshot; the toggle keeps showing cross-entropy after recovery.
    guard.setLoss('cross_entropy');

    sessions[0].report(DEVICE_LOST);
    expect(guard.condition).toBe('recovering');
    // A call made during recovery waits for it and runs on the new session.
    await guard.train(10);

    expect(sessions).toHaveLength(2);
    expect(sessions[0].disposed).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['device-lost', 'recovered']);
    expect(events[0]).toMatchObject({ lostAtStep: 37, restoreStep: 30 });
    expect(events[0].message).toContain('lost at step 37');
    expect(events[0].message).toContain('restoring the parameters of step 30');
    expect(events[1]).toMatchObject({ resumeStep: 30, backend: 'cpu' });
    expect(events[1].message).toContain('continues from step 30; steps 30–36 are trained again');
    expect(guard.condition).toBe('ready');
    expect(guard.spec.loss).toBe('cross_entropy');

    // Steps 35 and 36 of the lost session were never handed on; the new session's 30…39 are.
    const after = await guard.takeMetrics();
    expect(after.map((m) => m.step)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    expect(after.every((m) => m.activeLoss === 'cross_entropy')).toBe(true);
    const reference = referenceRun(40, 30).snapshot();
    const final = await guard.snapshot();
    expect(final.step).toBe(40);
    expect(final.parameters).toEqual(reference.parameters);
    expect(final.optimizerSlots).toEqual(reference.optimizerSlots);
  });

  it('the restored session holds the snapshot exactly', async () => {
    const { guard, sessions } = await guarded();
    await guard.train(10);
    await guard.train(4);
    const kept = guard.lastGoodSnapshot!;
    sessions[0].report(DEVICE_LOST);
    await guard.flush();
    expect(await sessions[1].snapshot()).toEqual(kept);
  });

  it('late errors of the lost session are ignored; other GPU errors are reported and training goes on', async () => {
    const errors: SessionError[] = [];
    const { guard, sessions, events } = await guarded();
    guard.onError = (error) => errors.push(error);
    await guard.train(10);
    await guard.train(2);
    sessions[0].report({ kind: 'validation', message: 'bind group mismatch (injected)' });
    expect(events.map((e) => e.kind)).toEqual(['gpu-error']);
    expect(errors).toEqual([{ kind: 'validation', message: 'bind group mismatch (injected)' }]);
    sessions[0].report(DEVICE_LOST);
    sessions[0].report({ kind: 'internal', message: 'reading back the metrics failed (injected)' });
    await guard.train(3);
    expect(events.map((e) => e.kind)).toEqual(['gpu-error', 'device-lost', 'recovered']);
    expect(errors).toHaveLength(1);
    expect(guard.stepsTaken).toBe(13);
  });

  it('a factory that fails leaves the guard failed, with the reason, and keeps the last good snapshot', async () => {
    const errors: SessionError[] = [];
    const { guard, sessions, events } = await guarded({ failAfter: 1 });
    guard.onError = (error) => errors.push(error);
    await guard.train(10);
    await guard.train(5);
    sessions[0].report(DEVICE_LOST);
    await expect(guard.train(1)).rejects.toThrow(/Could not continue after the GPU device was lost: no adapter was found/);
    expect(guard.condition).toBe('failed');
    expect(events.map((e) => e.kind)).toEqual(['device-lost', 'recovery-failed']);
    expect(events[1].message).toContain('train on the CPU backend');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toContain('no adapter was found');
    expect(guard.lastGoodSnapshot?.step).toBe(10);
  });

  it('a loss chosen while the new session is being made reaches the new session', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sessions: FaultInjectingSession[] = [];
    const guard = await GuardedSession.create({
      createSession: async () => {
        if (sessions.length > 0) await gate;
        const session = new FaultInjectingSession(spec, dataset);
        sessions.push(session);
        return session;
      },
      minSnapshotIntervalMs: 0,
    });
    await guard.train(10);
    sessions[0].report(DEVICE_LOST);
    // The lost session is disposed by now; choosing a loss must neither throw nor be forgotten.
    await Promise.resolve();
    expect(sessions[0].disposed).toBe(true);
    guard.setLoss('cross_entropy');
    release();
    await guard.train(2);
    expect(sessions).toHaveLength(2);
    expect(sessions[1].spec.loss).toBe('cross_entropy');
    expect((await guard.takeMetrics()).map((m) => [m.step, m.activeLoss])).toEqual([[0, 'cross_entropy'], [1, 'cross_entropy']]);
  });

  it('a new session that cannot take the snapshot is disposed and the guard fails, saying why', async () => {
    const sessions: FaultInjectingSession[] = [];
    const wider: NetworkSpec = { ...spec, widths: [2, 6, 4, 1] };
    const guard = await GuardedSession.create({
      createSession: async () => {
        // The second session has another shape, as when the factory reads settings changed since.
        const session = new FaultInjectingSession(sessions.length === 0 ? spec : wider, dataset);
        sessions.push(session);
        return session;
      },
      minSnapshotIntervalMs: 0,
    });
    guard.onError = () => undefined;
    await guard.train(5);
    sessions[0].report(DEVICE_LOST);
    await expect(guard.train(1)).rejects.toThrow(/Could not continue after the GPU device was lost: the network \[2, 6, 4, 1\] has \d+ parameters but \d+ were given/);
    expect(sessions[1].disposed).toBe(true);
    expect(guard.condition).toBe('failed');
  });

  it('gives up when the recovered session loses its device before completing a step', async () => {
    const errors: SessionError[] = [];
    const { guard, sessions, events } = await guarded();
    guard.onError = (error) => errors.push(error);
    await guard.train(12);
    sessions[0].report(DEVICE_LOST);
    await guard.flush();
    sessions[1].report(DEVICE_LOST);
    await expect(guard.train(1)).rejects.toThrow(/lost again before the recovered run completed a step/);
    expect(errors.map((e) => e.kind)).toEqual(['device-lost']);
    expect(sessions).toHaveLength(2);
    expect(events.map((e) => e.kind)).toEqual(['device-lost', 'recovered', 'device-lost', 'recovery-failed']);
  });

  it('a device loss while stopped at a non-finite metric restores the confirmed snapshot and stays stopped', async () => {
    const { guard, sessions, events } = await guarded({ corruption: { step: 25, apply: (m) => (m.losses.mse = NaN) } });
    for (let call = 0; call < 3; call++) await guard.train(10).catch(() => undefined);
    expect((await guard.takeMetrics()).map((m) => m.step)).toEqual(Array.from({ length: 26 }, (_, i) => i));
    expect(guard.condition).toBe('non-finite');
    sessions[0].report(DEVICE_LOST);
    await guard.flush();
    expect(guard.condition).toBe('non-finite');
    expect(events.map((e) => e.kind)).toEqual(['non-finite', 'device-lost', 'recovered']);
    expect(events[2].message).toContain('stays stopped');
    expect(guard.stepsTaken).toBe(20);
    await expect(guard.train(1)).rejects.toThrow(/training is stopped/);
    await guard.restoreLastGood();
    await guard.train(1);
    expect((await guard.takeMetrics()).map((m) => m.step)).toEqual([20]);
  });
});
