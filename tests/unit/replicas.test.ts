/**
 * Replicas in Node: the settings check names each replica's field, the CPU replica trainer is
 * exactly one CpuTrainer per replicaSpec, a replica's loss switch is its own, and the GPU replica
 * layout binds what its kernel declares and is refused, naming the limit, before anything exists.
 */
import { describe, expect, it } from 'vitest';
import { CpuReplicaTrainer } from '../../src/cpu/replica-trainer';
import { CPU_MEMORY_LIMIT_BYTES, CpuTrainer, cpuTrainerBytes } from '../../src/cpu/trainer';
import { kernelModule, type ReplicaForm } from '../../src/gpu/kernels';
import { REPLICA_MAX_MULTIPLY_ADDS, checkReplicaCapacity, chooseReplicaForm } from '../../src/gpu/replica-trainer';
import { REPLICA_STEP } from '../../src/gpu/replica-uniforms';
import { layoutReplicaTrainer, type ReplicaLayoutInput } from '../../src/gpu/trainer-layout';
import type { Dataset } from '../../src/model/dataset';
import { initParameters } from '../../src/model/init';
import { LOSS_NAMES } from '../../src/model/losses';
import { MAX_REPLICAS, replicaSettingsOf, replicaSpec, replicaStep, validateReplicas, type ReplicaSettings } from '../../src/model/replicas';
import { createRng } from '../../src/model/rng';
import { DEFAULT_SPEC, cloneSpec, type NetworkSpec } from '../../src/model/spec';

function xorDataset(count = 60): Dataset {
  const rng = createRng(9);
  const trainX = new Float32Array(count * 2);
  const trainY = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    trainX[2 * i] = 2 * rng.next() - 1;
    trainX[2 * i + 1] = 2 * rng.next() - 1;
    trainY[i] = trainX[2 * i] * trainX[2 * i + 1] > 0 ? 1 : 0;
  }
  return { name: 'xor', inputSize: 2, outputSize: 1, trainX, trainY, trainCount: count, testX: new Float32Array(0), testY: new Float32Array(0), testCount: 0 };
}

const SHAPE: NetworkSpec = { ...cloneSpec(DEFAULT_SPEC), widths: [2, 5, 4, 1], hiddenActivations: ['sigmoid', 'tanh'], batchSize: 8 };

function settings(count: number): ReplicaSettings[] {
  return Array.from({ length: count }, (_, r) => ({ seed: 7 + 11 * r, initScale: [0.5, 1, 4, 9][r % 4], learningRate: [0.1, 0.5, 0.05][r % 3], loss: LOSS_NAMES[r % 2] }));
}

describe('replica settings', () => {
  it('give each replica the run of its own spec, and read back from it', () => {
    for (const s of settings(5)) {
      const spec = replicaSpec(SHAPE, s);
      expect(replicaSettingsOf(spec)).toEqual(s);
      expect({ ...spec, seed: SHAPE.seed, init: SHAPE.init, optimizer: SHAPE.optimizer, loss: SHAPE.loss }).toEqual(SHAPE);
    }
    // The shape is not touched.
    expect(SHAPE.init.scale).toBe(DEFAULT_SPEC.init.scale);
  });

  it('name each bad value under its replica and setting', () => {
    const cases: [Partial<ReplicaSettings>, string][] = [
      [{ learningRate: 0 }, 'learningRate'],
      [{ learningRate: Number.NaN }, 'learningRate'],
      [{ initScale: -2 }, 'initScale'],
      [{ initScale: Number.POSITIVE_INFINITY }, 'initScale'],
      [{ seed: 1.5 }, 'seed'],
      [{ seed: 2 ** 32 }, 'seed'],
      [{ loss: 'hinge' as never }, 'loss'],
    ];
    for (const [change, field] of cases) {
      const replicas = settings(4);
      replicas[2] = { ...replicas[2], ...change };
      const problems = validateReplicas(SHAPE, replicas);
      expect(problems.map((p) => p.field), JSON.stringify(change)).toEqual([`replicas[2].${field}`]);
    }
  });

  it('refuse no replicas, too many, and a loss the output refuses, on the replica that asks for it', () => {
    expect(validateReplicas(SHAPE, [])).toEqual([{ field: 'replicas', message: 'Give at least one replica to train.' }]);
    expect(validateReplicas(SHAPE, settings(MAX_REPLICAS + 1))[0].message).toContain(`at most ${MAX_REPLICAS}`);
    const linear = { ...SHAPE, outputActivation: 'linear' as const };
    const problems = validateReplicas(linear, settings(3));
    expect(problems.map((p) => p.field)).toEqual(['replicas[1].loss']);
    expect(problems[0].message).toContain('Cross-entropy needs probabilities');
  });

  it('name a problem of the shape once, however many replicas share it', () => {
    const problems = validateReplicas({ ...SHAPE, batchSize: 0 }, settings(6));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('batchSize');
  });
});

describe('CpuReplicaTrainer', () => {
  it('steps each replica exactly as the single CpuTrainer of its spec', () => {
    const data = xorDataset();
    for (const count of [1, 3, 7]) {
      const replicas = settings(count);
      const trainer = new CpuReplicaTrainer(SHAPE, replicas, data);
      const singles = replicas.map((s) => new CpuTrainer(replicaSpec(SHAPE, s), data));
      for (let step = 0; step < 9; step++) {
        const block = trainer.step();
        expect(block.step).toBe(step);
        singles.forEach((single, r) => expect(replicaStep(block, r)).toEqual(single.step()));
      }
      singles.forEach((single, r) => expect(trainer.parameters(r)).toEqual(single.parameters));
      expect(trainer.stepsTaken).toBe(9);
    }
  });

  it("starts each replica from its spec's seeded weights, which differ between replicas", () => {
    const replicas = settings(4);
    const trainer = new CpuReplicaTrainer(SHAPE, replicas, xorDataset());
    replicas.forEach((s, r) => expect(trainer.parameters(r)).toEqual(initParameters(replicaSpec(SHAPE, s))));
    expect(trainer.parameters(0)).not.toEqual(trainer.parameters(1));
  });

  it("switches one replica's loss and leaves the others' runs exactly as they were", () => {
    const data = xorDataset();
    const replicas = settings(5);
    const plain = new CpuReplicaTrainer(SHAPE, replicas, data);
    const switched = new CpuReplicaTrainer(SHAPE, replicas, data);
    for (let step = 0; step < 12; step++) {
      if (step === 6) switched.setLoss(2, replicas[2].loss === 'mse' ? 'cross_entropy' : 'mse');
      const a = plain.step();
      const b = switched.step();
      for (let r = 0; r < replicas.length; r++) {
        if (r !== 2 || step < 6) expect(replicaStep(b, r)).toEqual(replicaStep(a, r));
      }
      if (step >= 6) expect(b.activeLosses[2]).not.toBe(a.activeLosses[2]);
    }
    expect(switched.parameters(2)).not.toEqual(plain.parameters(2));
    expect(switched.replicas[2].loss).not.toBe(replicas[2].loss);
    expect(switched.replicas.filter((_, r) => r !== 2)).toEqual(replicas.filter((_, r) => r !== 2));
  });

  it('refuses an unknown replica, bad settings and more memory than the CPU path allows', () => {
    const data = xorDataset();
    const trainer = new CpuReplicaTrainer(SHAPE, settings(3), data);
    for (const replica of [-1, 3, 1.5]) expect(() => trainer.setLoss(replica, 'mse')).toThrow(`there is no replica ${replica}; the replicas are numbered 0 to 2`);
    expect(() => new CpuReplicaTrainer(SHAPE, [{ ...settings(1)[0], learningRate: -1 }], data)).toThrow('replicas[0].learningRate');
    const wide = { ...SHAPE, widths: [2, 512, 512, 1], hiddenActivations: ['tanh', 'tanh'] as NetworkSpec['hiddenActivations'] };
    const wideCount = Math.floor(CPU_MEMORY_LIMIT_BYTES / cpuTrainerBytes(wide)) + 1;
    expect(() => new CpuReplicaTrainer(wide, settings(wideCount), data)).toThrow(`${wideCount} replicas of [2, 512, 512, 1] with batch 8 need`);
  });
});

describe('the GPU replica layout', () => {
  const limits = { minUniformBufferOffsetAlignment: 256 };
  const input = (form: ReplicaForm, replicas: number, shape = SHAPE): ReplicaLayoutInput => ({
    shape,
    replicas,
    form,
    workgroupSize: chooseReplicaForm(shape, true, form).workgroupSize,
    trainCount: 60,
    stepsPerSubmission: 5,
    limits,
  });
  const forms: ReplicaForm[] = ['workgroup', 'invocation'];

  it.each(forms.flatMap((form) => [1, 7, 65].map((replicas) => [form, replicas] as const)))('%s per replica, R = %i: binds what its kernel declares, within eight storage buffers', (form, replicas) => {
    // layoutReplicaTrainer throws, naming the dispatch, when its buffers differ from the kernel's bindings.
    const layout = layoutReplicaTrainer(input(form, replicas));
    const { kernel, grid } = layout.step;
    expect(kernel.bindings.filter((b) => b.access !== 'uniform')).toHaveLength(8);
    const module = kernelModule(kernel);
    expect(module.split(`struct ${REPLICA_STEP.name} {`)).toHaveLength(2);
    expect(module).toContain('@group(1) @binding(0) var<uniform> submission: StepParams;');
    expect(module).not.toContain('var<uniform> step:');
    expect(grid).toEqual([form === 'workgroup' ? replicas : Math.ceil(replicas / 4), 1]);
    // Every replica's share: parameters [R × P], rows [steps × R], metrics [steps × R × stride].
    const P = 2 * 5 + 5 + 5 * 4 + 4 + 4 + 1;
    expect(layout.buffers.parameters.bytes).toBe(4 * replicas * P);
    expect(layout.buffers.replicaSteps.bytes).toBe(5 * replicas * REPLICA_STEP.size);
    expect(layout.buffers.metricsRing.bytes).toBe(4 * 5 * replicas * layout.metricsStride);
    expect(new Set(layout.allBuffers).size).toBe(layout.allBuffers.length);
  });

  it('is refused before anything is made: too many workgroups, a buffer over the binding limit, a network too large for one workgroup', () => {
    const roomy = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 31, maxComputeWorkgroupsPerDimension: 65535 };
    const check = (layoutInput: ReplicaLayoutInput, deviceLimits = roomy) => () => checkReplicaCapacity(layoutReplicaTrainer(layoutInput), layoutInput, deviceLimits);
    expect(check(input('workgroup', 65535))).not.toThrow();
    for (const replicas of [65536, 70000]) expect(check(input('workgroup', replicas))).toThrow(`dispatches ${replicas} workgroups (one workgroup per replica) but maxComputeWorkgroupsPerDimension is 65535`);
    expect(check(input('invocation', 65536))).not.toThrow();
    expect(check(input('invocation', 100), { ...roomy, maxComputeWorkgroupsPerDimension: 24 })).toThrow('dispatches 25 workgroups (one invocation per replica)');
    const layout = layoutReplicaTrainer(input('invocation', 1000));
    const scratch = layout.allBuffers.find((b) => b.name.startsWith('step scratch'))!;
    expect(check(input('invocation', 1000), { ...roomy, maxStorageBufferBindingSize: scratch.bytes - 4 })).toThrow(`${scratch.name} needs ${scratch.bytes} bytes but maxStorageBufferBindingSize is ${scratch.bytes - 4} bytes`);
    expect(check(input('invocation', 1000), { ...roomy, maxBufferSize: scratch.bytes - 8 })).toThrow(`but maxBufferSize is ${scratch.bytes - 8} bytes`);
    for (const widths of [[2, 200, 200, 1], [784, 64, 10]]) {
      const large = { ...SHAPE, widths, hiddenActivations: widths.slice(1, -1).map(() => 'tanh' as const) };
      const multiplyAdds = 3 * 8 * widths.slice(1).reduce((sum, width, l) => sum + widths[l] * width, 0);
      expect(multiplyAdds).toBeGreaterThan(REPLICA_MAX_MULTIPLY_ADDS);
      expect(check(input('workgroup', 4, large))).toThrow(`one step needs ${multiplyAdds} multiply-adds per replica`);
    }
  });
});
