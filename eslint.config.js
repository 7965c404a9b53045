import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Imports the platform-neutral core (app/) must never make. */
const forbiddenInApp = [
  { group: ['node:*'], message: 'app/ is platform-neutral: no Node built-ins.' },
  { group: ['electron', 'electron/*'], message: 'app/ must not import Electron.' },
  { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'app/ must not import React.' },
  { group: ['three', 'three/*'], message: 'app/ must not import three.js.' },
  { group: ['onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node', 'onnxruntime-common'], message: 'app/ must not import a runtime.' },
  { group: ['../main/*', '../renderer/*', '../../main/*', '../../renderer/*'], message: 'app/ depends on nothing of ours.' },
];
const nodeBuiltins = ['fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'url', 'stream', 'worker_threads', 'zlib', 'util'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'models/tools/node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests build malformed documents on purpose: untyped JSON is the point there.
    files: ['**/*.test.ts', 'test-support/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['app/**/*.ts'],
    ignores: ['app/**/*.test.ts'],
    languageOptions: { globals: { ...globals.es2021 } },
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins.map((name) => ({ name, message: 'app/ is platform-neutral: no Node built-ins.' })), patterns: forbiddenInApp }],
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'location', 'self', 'process', 'Buffer', 'require'],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/inference/worker.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['onnxruntime-web', 'onnxruntime-web/*'], message: 'Only renderer/inference/worker.ts imports onnxruntime-web.' }, { group: ['node:*', 'electron'], message: 'The renderer never reaches Node or Electron; use the host contract.' }] }],
    },
  },
);
