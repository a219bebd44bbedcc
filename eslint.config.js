// Lint, including the layer rules of docs/ARCHITECTURE.md: core never imports electron or the
// renderer, the contract never imports node:*, the renderer reaches core only through the contract.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'process',
  'stream',
  'stream/promises',
  'url',
  'util',
  'worker_threads',
  'zlib',
];
const coreBoundary = [
  {
    group: ['electron', 'electron/*'],
    message: 'core/ runs without Electron; put Electron code in electron/.',
  },
  {
    group: ['**/renderer/**', '**/electron/**'],
    message: 'core/ must not import the shells (house rule 1).',
  },
];
const nodeBoundary = [
  { group: ['node:*', ...NODE_BUILTINS], message: 'This layer also runs in the browser: no Node built-ins.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use a union of string literals.' },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: coreBoundary }] },
  },
  {
    files: ['core/contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...coreBoundary, ...nodeBoundary] }] },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...nodeBoundary,
            {
              group: ['electron', 'electron/*'],
              message: 'The renderer talks to Electron only through window.api.',
            },
            {
              regex: '(^|/)core/(?!contract/)',
              message: 'The renderer reaches core only through core/contract.',
            },
          ],
        },
      ],
    },
  },
);
