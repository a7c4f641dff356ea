import { describe, expect, it } from 'vitest';
import { HYPERPARAMETER_NAMES, HYPERPARAMETERS } from '../../src/model/optimizers';
import { DEFAULT_SPEC, cloneSpec, type NetworkSpec } from '../../src/model/spec';
import { formatProblems, MAX_BATCH, MAX_LAYERS, MAX_WIDTH, parseSpec, validate, validateForDataset } from '../../src/model/validate';

/** A valid two-hidden-layer spec to break one field at a time. */
function validSpec(): NetworkSpec {
  return { ...cloneSpec(DEFAULT_SPEC), widths: [2, 5, 4, 3], hiddenActivations: ['tanh', 'relu'], outputActivation: 'softmax' };
}

/** [what is wrong, how to break the spec, the field reported, what the message must say]. */
const REJECTED: [string, (spec: NetworkSpec) => void, string, RegExp][] = [
  ['only one width', (s) => ((s.widths = [2]), (s.hiddenActivations = [])), 'widths', /needs an input and an output width, got 1 width/],
  [
    'too many layers',
    (s) => ((s.widths = Array<number>(MAX_LAYERS + 2).fill(2)), (s.hiddenActivations = Array(MAX_LAYERS).fill('tanh'))),
    'widths',
    new RegExp(`At most ${MAX_LAYERS} weight layers are supported, got ${MAX_LAYERS + 1}`),
  ],
  ['an input width of 0', (s) => (s.widths[0] = 0), 'widths[0]', /The input width must be a whole number of at least 1, got 0/],
  ['a fractional hidden width', (s) => (s.widths[2] = 2.5), 'widths[2]', /width of hidden layer 2 must be a whole number of at least 1, got 2.5/],
  ['a negative output width', (s) => (s.widths[3] = -3), 'widths[3]', /The output width must be a whole number of at least 1, got -3/],
  ['a hidden width above the limit', (s) => (s.widths[1] = MAX_WIDTH + 1), 'widths[1]', new RegExp(`is ${MAX_WIDTH + 1}; at most ${MAX_WIDTH} units`)],
  ['one hidden activation for two hidden layers', (s) => (s.hiddenActivations = ['tanh']), 'hiddenActivations', /2 hidden layer\(s\) but 1 hidden activation/],
  [
    'an unknown hidden activation',
    (s) => (s.hiddenActivations[1] = 'swish' as never),
    'hiddenActivations[1]',
    /Unknown activation "swish"; use one of sigmoid, tanh, relu, leaky_relu, linear/,
  ],
  ['an unknown output activation', (s) => (s.outputActivation = 'relu' as never), 'outputActivation', /Unknown output activation "relu"/],
  ['an unknown loss', (s) => (s.loss = 'hinge' as never), 'loss', /Unknown loss "hinge"; use mse or cross_entropy/],
  ['softmax over one output', (s) => (s.widths[3] = 1), 'outputActivation', /Softmax over a single output .* use a sigmoid output or at least 2 outputs/],
  [
    'cross-entropy on a linear output',
    (s) => ((s.outputActivation = 'linear'), (s.loss = 'cross_entropy')),
    'loss',
    /Cross-entropy needs probabilities: use a sigmoid or softmax output/,
  ],
  ['an unknown optimizer', (s) => (s.optimizer.kind = 'rmsprop' as never), 'optimizer.kind', /Unknown optimizer "rmsprop"; use one of sgd, momentum, adam/],
  ['a learning rate of 0', (s) => (s.optimizer.learningRate = 0), 'optimizer.learningRate', /finite number above 0, got 0/],
  ['an infinite learning rate', (s) => (s.optimizer.learningRate = Infinity), 'optimizer.learningRate', /finite number above 0, got Infinity/],
  ['a momentum of 1', (s) => (s.optimizer.momentum = 1), 'optimizer.momentum', /Momentum must be at least 0 and below 1, got 1/],
  ['a negative β1', (s) => (s.optimizer.beta1 = -0.1), 'optimizer.beta1', /Adam β1 must be at least 0 and below 1, got -0.1/],
  ['a NaN β2', (s) => (s.optimizer.beta2 = NaN), 'optimizer.beta2', /Adam β2 must be at least 0 and below 1, got NaN/],
  ['an ε of 0', (s) => (s.optimizer.epsilon = 0), 'optimizer.epsilon', /Adam ε must be a finite number above 0, got 0/],
  ['a batch of 0', (s) => (s.batchSize = 0), 'batchSize', /batch size must be a whole number of at least 1, got 0/],
  ['a batch above the limit', (s) => (s.batchSize = MAX_BATCH + 1), 'batchSize', new RegExp(`batch size is ${MAX_BATCH + 1}; at most ${MAX_BATCH}`)],
  ['an unknown initialisation', (s) => (s.init.kind = 'lecun' as never), 'init.kind', /Unknown initialisation "lecun"; use glorot or he/],
  ['an init scale of 0', (s) => (s.init.scale = 0), 'init.scale', /init scale must be a finite number above 0, got 0/],
  ['a negative seed', (s) => (s.seed = -1), 'seed', /seed must be a whole number from 0 to 4294967295, got -1/],
  ['a seed above 32 bits', (s) => (s.seed = 2 ** 32), 'seed', /got 4294967296/],
];

describe('validate', () => {
  it('accepts the default spec and every activation, output and loss that go together', () => {
    expect(validate(DEFAULT_SPEC)).toEqual([]);
    expect(validate(validSpec())).toEqual([]);
    for (const [outputActivation, loss] of [['sigmoid', 'mse'], ['sigmoid', 'cross_entropy'], ['softmax', 'mse'], ['linear', 'mse']] as const) {
      expect(validate({ ...validSpec(), outputActivation, loss })).toEqual([]);
    }
  });

  it.each(REJECTED)('rejects %s', (_, breakSpec, field, message) => {
    const spec = validSpec();
    breakSpec(spec);
    const problems = validate(spec);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(problems[0].message).toMatch(message);
  });

  it('reports every problem at once, in field order', () => {
    const spec = validSpec();
    spec.widths[1] = 0;
    spec.optimizer.learningRate = -1;
    spec.seed = 1.5;
    expect(validate(spec).map((p) => p.field)).toEqual(['widths[1]', 'optimizer.learningRate', 'seed']);
  });
});

describe('validateForDataset', () => {
  const data = { inputSize: 2, outputSize: 3, trainCount: 40 };

  it('accepts a spec that fits the dataset', () => {
    expect(validateForDataset(validSpec(), data)).toEqual([]);
  });

  it('names input and output sizes that differ from the dataset, and a batch larger than it', () => {
    const spec = { ...validSpec(), widths: [4, 5, 4, 2], batchSize: 41 };
    const problems = validateForDataset(spec, data);
    expect(problems.map((p) => p.field)).toEqual(['widths[0]', 'widths[3]', 'batchSize']);
    expect(problems[0].message).toMatch(/dataset has 2 input feature\(s\) but the network's input width is 4/);
    expect(problems[1].message).toMatch(/dataset has 3 target column\(s\) but the network has 2 output/);
    expect(problems[2].message).toMatch(/batch size 41 is larger than the 40 training samples/);
  });
});

describe('parseSpec', () => {
  it('round-trips a spec through JSON', () => {
    const spec = validSpec();
    expect(parseSpec(JSON.parse(JSON.stringify(spec)))).toEqual({ spec, problems: [] });
  });

  it('gives a hyperparameter the optimizer object leaves out its table default, so files saved before it existed still load', () => {
    for (const name of HYPERPARAMETER_NAMES) {
      const json = JSON.parse(JSON.stringify(validSpec()));
      delete json.optimizer[name];
      const parsed = parseSpec(json);
      expect(parsed.problems, name).toEqual([]);
      expect(parsed.spec?.optimizer[name], name).toBe(HYPERPARAMETERS[name].defaultValue);
    }
    // A value that is there is kept, and a wrong type is still refused.
    const json = JSON.parse(JSON.stringify(validSpec()));
    json.optimizer.momentum = 0.5;
    expect(parseSpec(json).spec?.optimizer.momentum).toBe(0.5);
    json.optimizer.momentum = '0.5';
    expect(parseSpec(json).problems).toEqual([{ field: 'optimizer.momentum', message: 'Expected a number, got "0.5".' }]);
  });

  it('rejects what is not an object', () => {
    for (const value of [null, 3, 'spec', [1, 2]]) {
      const result = parseSpec(value);
      expect(result.spec).toBeNull();
      expect(result.problems.map((p) => p.field)).toEqual(['the spec']);
      expect(result.problems[0].message).toMatch(/^Expected an object, got /);
    }
  });

  it('names unknown keys, missing fields and values of the wrong type before checking any value', () => {
    const json = JSON.parse(JSON.stringify(validSpec())) as Record<string, unknown>;
    json.dropout = 0.5;
    delete json.seed;
    json.widths = [2, '5', 3];
    (json.optimizer as Record<string, unknown>).learningRate = 'fast';
    json.batchSize = -1; // a valid type with a bad value: not reported until the types are right
    const result = parseSpec(json);
    expect(result.spec).toBeNull();
    const byField = Object.fromEntries(result.problems.map((p) => [p.field, p.message]));
    expect(Object.keys(byField).sort()).toEqual(['dropout', 'optimizer.learningRate', 'seed', 'widths[1]']);
    expect(byField.dropout).toMatch(/^Unknown field "dropout"; known fields: widths, hiddenActivations/);
    expect(byField.seed).toBe('Missing.');
    expect(byField['widths[1]']).toBe('Expected a number, got "5".');
    expect(byField['optimizer.learningRate']).toBe('Expected a number, got "fast".');
  });

  it('checks values once the types are right', () => {
    const json = JSON.parse(JSON.stringify({ ...validSpec(), outputActivation: 'linear', loss: 'cross_entropy' }));
    const result = parseSpec(json);
    expect(result.spec).toBeNull();
    expect(result.problems.map((p) => p.field)).toEqual(['loss']);
  });
});

describe('formatProblems', () => {
  it('writes one "field: message" line per problem', () => {
    const text = formatProblems([
      { field: 'widths[0]', message: 'first.' },
      { field: 'seed', message: 'second.' },
    ]);
    expect(text).toBe('widths[0]: first.\nseed: second.');
  });
});
