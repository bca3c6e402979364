import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (docs/architecture.md): a layer imports only from layers before it.
 * `traffic` and `data` form one level (the entrance and the dataset loaders); `kafka` and `serve` are siblings.
 */
const LAYERS = [
  ['util'],
  ['traffic', 'data'],
  ['preprocess'],
  ['engine'],
  ['fit'],
  ['models'],
  ['evaluate'],
  ['train'],
  ['report'],
  ['detection'],
  ['alerts'],
  ['kafka', 'serve'],
  ['cli'],
];

/** Layers that run a trained model and must not pull in training code. */
const SERVING = ['detection', 'alerts', 'kafka', 'serve'];

const TENSORFLOW = {
  group: ['@tensorflow/*'],
  message: 'Only src/engine talks to TensorFlow.js; use what src/engine/index.ts exports.',
};

/**
 * A relative import that climbs out of its folder into one of `folders`, e.g. '../../train/run-spec.js'.
 * @param {string[]} folders
 * @param {string} why
 */
function into(folders, why) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message: why };
}

/** One config per layer: its source files may not import the layers above it, nor (but the engine) TensorFlow.js. */
const layerRules = LAYERS.map((level, i) => {
  const above = LAYERS.slice(i + 1).flat();
  const patterns = level.includes('engine') ? [] : [TENSORFLOW];
  if (above.length > 0) {
    patterns.push(
      into(above, `src/${level.join(', src/')} sits below ${above.join(', ')}: imports point down only.`),
    );
  }
  if (level.some((folder) => SERVING.includes(folder))) {
    patterns.push(
      into(['train', 'fit'], 'Detection and serving never import training code (src/train, src/fit).'),
    );
  }
  return {
    files: level.map((folder) => `src/${folder}/**/*.ts`),
    ignores: ['**/*.test.ts', '**/test-helpers/**'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'runs/', 'reports/', 'coverage/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Everything outside the engine, tests and benchmarks included, reaches TensorFlow.js through it.
  {
    files: ['**/*.ts'],
    ignores: ['src/engine/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [TENSORFLOW] }] },
  },
  ...layerRules,
  {
    files: ['**/*.test.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
