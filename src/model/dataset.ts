/**
 * A dataset as both trainers see it: float32 rows, targets already encoded (0/1 for sigmoid
 * outputs, one-hot for softmax, raw values for linear), split into train and test.
 */
export interface Dataset {
  /** Short name shown in the UI and written to run files, e.g. "circle" or "mnist". */
  name: string;
  /** Features per sample (network input width). */
  inputSize: number;
  /** Target columns per sample (network output width). */
  outputSize: number;
  /** Training features, row-major [trainCount, inputSize]. */
  trainX: Float32Array;
  /** Training targets, row-major [trainCount, outputSize]. */
  trainY: Float32Array;
  /** Number of training samples. */
  trainCount: number;
  /** Test features, row-major [testCount, inputSize]. */
  testX: Float32Array;
  /** Test targets, row-major [testCount, outputSize]. */
  testY: Float32Array;
  /** Number of test samples. */
  testCount: number;
  /** Class names when the targets are classes (one per output column, or ["0","1"] for a single sigmoid output). */
  classNames?: string[];
  /** For images (MNIST): [height, width] of one sample, for drawing. */
  imageShape?: [number, number];
}
