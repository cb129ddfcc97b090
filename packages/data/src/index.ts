export { CharTokenizer, type CharTokenizerOptions } from './char-tokenizer.js';
export { type Collated, defaultCollate } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { type Dataset, TensorDataset } from './dataset.js';
export {
  binarize,
  binarizeStochastic,
  MNIST_SIZE,
  MNIST_TEST_SIZE,
  type Mnist,
  type MnistSplit,
  mnistDataset,
  mnistFromClassArrays,
  mnistOrder,
  splitValidation,
} from './mnist.js';
export { permutation } from './permutation.js';
