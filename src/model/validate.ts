/**
 * Checks a network spec and reports every problem at once, each with the field it concerns and a
 * sentence a user can act on. `parseSpec` also accepts untrusted JSON (URL state, config files):
 * it checks types and unknown keys before the values.
 */
import { HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS } from './activations';
import { LOSS_NAMES, lossProblem } from './losses';
import { HYPERPARAMETER_NAMES, HYPERPARAMETERS, OPTIMIZER_KINDS } from './optimizers';
import { INIT_KINDS, type NetworkSpec } from './spec';

/** One thing wrong with a spec. */
export interface ValidationProblem {
  /** Path of the field, e.g. "widths[2]" or "optimizer.learningRate". */
  field: string;
  /** What is wrong and what would be accepted. */
  message: string;
}

/** Largest width accepted for one layer; larger nets are refused before anything is allocated. */
export const MAX_WIDTH = 65536;
/** Largest number of weight layers. */
export const MAX_LAYERS = 32;
/** Largest batch size. */
export const MAX_BATCH = 65536;

/** "a, b or c": the names a message offers. */
function orList(names: readonly string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The range check a hyperparameter's table entry names. */
function checkHyperparameter(problems: ValidationProblem[], name: (typeof HYPERPARAMETER_NAMES)[number], value: number): void {
  const { subject, range } = HYPERPARAMETERS[name];
  const field = `optimizer.${name}`;
  if (range === 'unit' && !(Number.isFinite(value) && value >= 0 && value < 1)) {
    problems.push({ field, message: `${subject} must be at least 0 and below 1, got ${describe(value)}.` });
  }
  if (range === 'positive' && !(Number.isFinite(value) && value > 0)) {
    problems.push({ field, message: `${subject} must be a finite number above 0, got ${describe(value)}.` });
  }
}

/** Every problem with a spec whose types are already right. An empty list means it is valid. */
export function validate(spec: NetworkSpec): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const { widths } = spec;
  if (widths.length < 2) {
    problems.push({ field: 'widths', message: `A network needs an input and an output width, got ${widths.length} width(s).` });
  } else if (widths.length - 1 > MAX_LAYERS) {
    problems.push({ field: 'widths', message: `At most ${MAX_LAYERS} weight layers are supported, got ${widths.length - 1}.` });
  }
  widths.forEach((width, i) => {
    const name = i === 0 ? 'input width' : i === widths.length - 1 ? 'output width' : `width of hidden layer ${i}`;
    if (!isPositiveInteger(width)) {
      problems.push({ field: `widths[${i}]`, message: `The ${name} must be a whole number of at least 1, got ${describe(width)}.` });
    } else if (width > MAX_WIDTH) {
      problems.push({ field: `widths[${i}]`, message: `The ${name} is ${width}; at most ${MAX_WIDTH} units per layer are supported.` });
    }
  });
  const hiddenCount = Math.max(widths.length - 2, 0);
  if (spec.hiddenActivations.length !== hiddenCount) {
    problems.push({
      field: 'hiddenActivations',
      message: `There are ${hiddenCount} hidden layer(s) but ${spec.hiddenActivations.length} hidden activation(s); give one per hidden layer.`,
    });
  }
  spec.hiddenActivations.forEach((activation, i) => {
    if (!HIDDEN_ACTIVATIONS.includes(activation)) {
      problems.push({ field: `hiddenActivations[${i}]`, message: `Unknown activation ${describe(activation)}; use one of ${HIDDEN_ACTIVATIONS.join(', ')}.` });
    }
  });
  if (!OUTPUT_ACTIVATIONS.includes(spec.outputActivation)) {
    problems.push({ field: 'outputActivation', message: `Unknown output activation ${describe(spec.outputActivation)}; use one of ${OUTPUT_ACTIVATIONS.join(', ')}.` });
  }
  if (!LOSS_NAMES.includes(spec.loss)) {
    problems.push({ field: 'loss', message: `Unknown loss ${describe(spec.loss)}; use ${orList(LOSS_NAMES)}.` });
  }
  const outputs = widths[widths.length - 1];
  if (spec.outputActivation === 'softmax' && outputs === 1) {
    problems.push({ field: 'outputActivation', message: 'Softmax over a single output is always 1 and cannot learn; use a sigmoid output or at least 2 outputs.' });
  }
  const refusal = LOSS_NAMES.includes(spec.loss) && OUTPUT_ACTIVATIONS.includes(spec.outputActivation) ? lossProblem(spec.loss, spec.outputActivation) : null;
  if (refusal) problems.push({ field: 'loss', message: refusal });
  const opt = spec.optimizer;
  if (!OPTIMIZER_KINDS.includes(opt.kind)) {
    problems.push({ field: 'optimizer.kind', message: `Unknown optimizer ${describe(opt.kind)}; use one of ${OPTIMIZER_KINDS.join(', ')}.` });
  }
  for (const name of HYPERPARAMETER_NAMES) checkHyperparameter(problems, name, opt[name]);
  if (!isPositiveInteger(spec.batchSize)) {
    problems.push({ field: 'batchSize', message: `The batch size must be a whole number of at least 1, got ${describe(spec.batchSize)}.` });
  } else if (spec.batchSize > MAX_BATCH) {
    problems.push({ field: 'batchSize', message: `The batch size is ${spec.batchSize}; at most ${MAX_BATCH} is supported.` });
  }
  if (!INIT_KINDS.includes(spec.init.kind)) {
    problems.push({ field: 'init.kind', message: `Unknown initialisation ${describe(spec.init.kind)}; use glorot or he.` });
  }
  if (!(Number.isFinite(spec.init.scale) && spec.init.scale > 0)) {
    problems.push({ field: 'init.scale', message: `The init scale must be a finite number above 0, got ${describe(spec.init.scale)}.` });
  }
  if (!(Number.isInteger(spec.seed) && spec.seed >= 0 && spec.seed <= 0xffffffff)) {
    problems.push({ field: 'seed', message: `The seed must be a whole number from 0 to 4294967295, got ${describe(spec.seed)}.` });
  }
  return problems;
}

/** Problems that only show against a dataset: sizes that do not match it, a batch larger than it. */
export function validateForDataset(
  spec: NetworkSpec,
  data: { inputSize: number; outputSize: number; trainCount: number },
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (spec.widths[0] !== data.inputSize) {
    problems.push({ field: 'widths[0]', message: `The dataset has ${data.inputSize} input feature(s) but the network's input width is ${spec.widths[0]}.` });
  }
  const outputs = spec.widths[spec.widths.length - 1];
  if (outputs !== data.outputSize) {
    problems.push({ field: `widths[${spec.widths.length - 1}]`, message: `The dataset has ${data.outputSize} target column(s) but the network has ${outputs} output(s).` });
  }
  if (spec.batchSize > data.trainCount) {
    problems.push({ field: 'batchSize', message: `The batch size ${spec.batchSize} is larger than the ${data.trainCount} training samples.` });
  }
  return problems;
}

type Shape = 'number' | 'string' | 'number[]' | 'string[]' | { [key: string]: Shape };

const SPEC_SHAPE: { [key: string]: Shape } = {
  widths: 'number[]',
  hiddenActivations: 'string[]',
  outputActivation: 'string',
  loss: 'string',
  optimizer: { kind: 'string', ...Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, 'number'])) },
  batchSize: 'number',
  init: { kind: 'string', scale: 'number' },
  seed: 'number',
};

function checkShape(value: unknown, shape: Shape, field: string, problems: ValidationProblem[]): void {
  const label = field || 'the spec';
  if (typeof shape === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ field: label, message: `Expected an object, got ${describe(value)}.` });
      return;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(shape, key)) problems.push({ field: field ? `${field}.${key}` : key, message: `Unknown field ${JSON.stringify(key)}; known fields: ${Object.keys(shape).join(', ')}.` });
    }
    for (const [key, inner] of Object.entries(shape)) {
      const path = field ? `${field}.${key}` : key;
      if (!Object.hasOwn(record, key)) problems.push({ field: path, message: 'Missing.' });
      else checkShape(record[key], inner, path, problems);
    }
    return;
  }
  if (shape === 'number[]' || shape === 'string[]') {
    const element = shape === 'number[]' ? 'number' : 'string';
    if (!Array.isArray(value)) {
      problems.push({ field: label, message: `Expected a list of ${element}s, got ${describe(value)}.` });
      return;
    }
    value.forEach((item, i) => {
      if (typeof item !== element) problems.push({ field: `${field}[${i}]`, message: `Expected a ${element}, got ${describe(item)}.` });
      else if (!isFiniteIfNumber(item)) problems.push({ field: `${field}[${i}]`, message: `Expected a finite number, got ${describe(item)}.` });
    });
    return;
  }
  if (typeof value !== shape) problems.push({ field: label, message: `Expected a ${shape}, got ${describe(value)}.` });
  else if (!isFiniteIfNumber(value)) problems.push({ field: label, message: `Expected a finite number, got ${describe(value)}.` });
}

/**
 * NaN and ±Infinity can only come through the object path (JSON has neither); they are refused
 * here because the JSON copy parseSpec makes would turn them into null and misreport the value.
 */
function isFiniteIfNumber(value: unknown): boolean {
  return typeof value !== 'number' || Number.isFinite(value);
}

/** `value` with every hyperparameter its optimizer object leaves out set to the table's default; anything else untouched. */
function withHyperparameterDefaults(value: unknown): unknown {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(value) || !isRecord(value.optimizer)) return value;
  const defaults = Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, HYPERPARAMETERS[name].defaultValue]));
  return { ...value, optimizer: { ...defaults, ...value.optimizer } };
}

/**
 * Turns untrusted JSON into a spec: types and unknown keys first (values of the wrong type would
 * make the value checks meaningless), then `validate`. Nothing in the input is executed. A
 * hyperparameter the optimizer object leaves out takes its default (HYPERPARAMETERS): the set
 * grows with the optimizer table, and a link or file saved before a new one was added must load.
 */
export function parseSpec(value: unknown): { spec: NetworkSpec; problems: [] } | { spec: null; problems: ValidationProblem[] } {
  const typeProblems: ValidationProblem[] = [];
  const completed = withHyperparameterDefaults(value);
  checkShape(completed, SPEC_SHAPE, '', typeProblems);
  if (typeProblems.length > 0) return { spec: null, problems: typeProblems };
  const spec = JSON.parse(JSON.stringify(completed)) as NetworkSpec;
  const problems = validate(spec);
  return problems.length > 0 ? { spec: null, problems } : { spec, problems: [] };
}

/** One line per problem, for error messages and the CLI. */
export function formatProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('\n');
}
