/**
 * The structs only the replica step reads (shaders/replica_step.wgsl), declared once like those of
 * src/gpu/uniforms.ts: the WGSL text and the host-side offsets both come from here.
 */
import { defineStruct, type FieldDeclaration } from './wgsl-struct';

const u32 = (doc: string): FieldDeclaration => ({ type: 'u32', doc });
const f32 = (doc: string): FieldDeclaration => ({ type: 'f32', doc });

/** How the replicas' slices are laid out in the shared buffers: replica r's slice of each starts at r times its stride. */
export const REPLICA_SHAPE = defineStruct('ReplicaShape', {
  replicas: u32('Number of replicas R.'),
  parameterCount: u32("Parameters of one replica: the stride of `parameters` and `gradient` (the optimizer's slots are R·P apart)."),
  scratchFloats: u32("Floats of one replica's scratch: the stride of `scratch`."),
  metricsStride: u32("Floats of one replica's metrics in a step's block of the metrics ring."),
  targetsOffset: u32('Index in `samples` of the first training target (the inputs come first).'),
});

/**
 * One replica's row of one step, in a storage array of [steps per submission × R] rows (replica r
 * of step s at s·R + r), written by the host with every submission. Its size is a multiple of 16
 * bytes, as defineStruct pads every struct, so the WGSL array stride equals REPLICA_STEP.size.
 */
export const REPLICA_STEP = defineStruct('ReplicaStep', {
  lossId: u32('LOSS_<NAME> id of the loss that drives this replica in this step.'),
  learningRate: f32("This replica's learning rate (what optimizer.learningRate reads)."),
  optimizerStepSize: f32("This replica's optimizer step size for this step's update number (what step.optimizerStepSize reads)."),
});
