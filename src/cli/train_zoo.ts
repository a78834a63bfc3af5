import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, initBackend } from '../backend';
import { loadFashionMnist } from '../data/fashion_mnist';
import { evaluateAccuracy } from '../train/evaluate';
import { registerWasmTrainingKernels } from '../train/kernels/register';
import { atomicModelDir } from '../train/save_model';
import { trainClassifier } from '../train/train_model';
import { writeFashionMnistSubset } from '../train/write_subset';
import { ZOO } from '../train/zoo';

/**
 * `npm run train [-- name ...] [--subset]`: trains the zoo models (all, or those named) one after another on
 * Fashion-MNIST from Debian's dataset-fashion-mnist, reports each one's float accuracy on the full 10,000-image test
 * set, and writes models/zoo/<name>/ (model.json, weights.bin, metadata.json) atomically. `--subset` (re)writes the
 * committed data/fashion-mnist-subset/ instead.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const SUBSET_COUNT = 1000;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--subset')) {
    writeFashionMnistSubset(path.join(ROOT, 'data', 'fashion-mnist-subset'), SUBSET_COUNT, subsetReadme());
    console.log(`wrote data/fashion-mnist-subset (the first ${SUBSET_COUNT} training and test examples)`);
    return;
  }
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !ZOO.some((z) => z.spec.name === n));
  if (unknown.length > 0) throw new Error(`train_zoo: unknown model ${unknown.join(', ')}; expected one of ${ZOO.map((z) => z.spec.name).join(', ')}`);
  const chosen = names.length === 0 ? ZOO : ZOO.filter((z) => names.includes(z.spec.name));
  const backend = await initBackend();
  const kernels = backend.name === 'wasm' ? registerWasmTrainingKernels() : undefined;
  console.log(`backend: ${describeBackend(backend)}${kernels ? `; training kernels added ${kernels.added.join(', ')}, replaced ${kernels.replaced.join(', ')}` : ''}`);
  const test = loadFashionMnist({ split: 'test' });
  const testSubset = loadFashionMnist({ split: 'test', limit: SUBSET_COUNT });
  for (const { spec, build } of chosen) {
    const train = loadFashionMnist({ split: 'train', limit: spec.trainLimit });
    const model = build(spec);
    const params = model.countParams();
    console.log(`\n${spec.name}: ${spec.description}; ${params} parameters; ${spec.trainLimit} training images, ${spec.epochs} epochs, batch ${spec.batchSize}`);
    const started = performance.now();
    const epochs = await trainClassifier(model, train, {
      epochs: spec.epochs, batchSize: spec.batchSize, learningRates: spec.learningRates, reportEvery: 25,
      onProgress: (p) => console.log(`  ${spec.name} epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} accuracy ${p.accuracy.toFixed(4)} lr ${p.learningRate} elapsed ${p.elapsedSeconds.toFixed(1)} s`),
    });
    const trainingSeconds = (performance.now() - started) / 1000;
    const full = evaluateAccuracy(model, test);
    const subset = evaluateAccuracy(model, testSubset);
    console.log(`  ${spec.name}: float test accuracy ${(100 * full.accuracy).toFixed(2)}% (${full.correct}/${full.count}); first ${SUBSET_COUNT} test images ${(100 * subset.accuracy).toFixed(1)}%; trained in ${trainingSeconds.toFixed(0)} s`);
    const metadata = {
      name: spec.name,
      description: spec.description,
      input: { shape: [28, 28, 1], scale: 'pixels / 255 in [0, 1]', layout: 'NHWC' },
      classes: 10,
      parameters: params,
      floatAccuracy: { dataset: 'Fashion-MNIST test set (t10k, all 10000 images)', correct: full.correct, count: full.count, accuracy: full.accuracy },
      subsetAccuracy: { dataset: `data/fashion-mnist-subset: first ${SUBSET_COUNT} test images`, correct: subset.correct, count: subset.count, accuracy: subset.accuracy },
      training: {
        dataset: `Fashion-MNIST training set (first ${spec.trainLimit} of 60000 images, in file order, no shuffling)`,
        images: spec.trainLimit, epochs: spec.epochs, batchSize: spec.batchSize, optimizer: 'adam', learningRates: spec.learningRates,
        loss: 'sparseCategoricalCrossentropy', seed: spec.seed, seconds: Math.round(trainingSeconds),
        backend: describeBackend(backend), machine: '2 cores shared with other work',
        epochLog: epochs.map((e) => ({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, elapsedSeconds: Math.round(e.elapsedSeconds) })),
      },
      command: `npm run train -- ${spec.name}`,
      tfjsVersion: tf.version_core,
    };
    await model.save(atomicModelDir(path.join(ROOT, 'models', 'zoo', spec.name), () => ({ 'metadata.json': `${JSON.stringify(metadata, null, 2)}\n` })));
    console.log(`  wrote models/zoo/${spec.name}/`);
    model.dispose();
  }
}

function subsetReadme(): string {
  return `# Fashion-MNIST subset

The first ${SUBSET_COUNT} examples (indices 0-${SUBSET_COUNT - 1}, in file order) of the Fashion-MNIST training set and of its
test set, in the original IDX format, gzip-compressed, with the original file names:

| file | content |
| --- | --- |
| train-images-idx3-ubyte.gz | ${SUBSET_COUNT} x 28 x 28 unsigned bytes, training images 0-${SUBSET_COUNT - 1} |
| train-labels-idx1-ubyte.gz | their ${SUBSET_COUNT} labels (0-9) |
| t10k-images-idx3-ubyte.gz | ${SUBSET_COUNT} x 28 x 28 unsigned bytes, test images 0-${SUBSET_COUNT - 1} |
| t10k-labels-idx1-ubyte.gz | their ${SUBSET_COUNT} labels |

\`loadFashionMnist({ split, dir: 'data/fashion-mnist-subset' })\` reads them.

## Provenance and licence

Fashion-MNIST is by Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf, "Fashion-MNIST: a Novel Image Dataset
for Benchmarking Machine Learning Algorithms", arXiv:1708.07747, https://github.com/zalandoresearch/fashion-mnist),
released under the MIT licence: Copyright (c) 2017 Zalando SE.

These files were cut from the copy that Debian's \`dataset-fashion-mnist\` package installs in
\`${'/usr/share/datasets/fashion-mnist'}\`, by \`npm run train -- --subset\` (src/train/write_subset.ts).
`;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
