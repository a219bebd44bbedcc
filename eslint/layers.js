// The layer rules of docs/ARCHITECTURE.md as allow-lists: every import is classified (a file of
// this repository by its layer, a Node built-in, an npm package by what it needs to run) and each
// layer names what it may import. Anything not listed is refused, so a new hole cannot open by
// accident; an npm package nobody classified is refused until it is.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

/** npm packages by where they can run. A package must be in one list before any layer may use it. */
export const PACKAGES = {
  /** Needs Node (native code, the file system, sockets). */
  node: [
    'sharp',
    'better-sqlite3',
    'onnxruntime-node',
    '@google/genai',
    '@google-cloud/storage',
    'ws',
    'commander',
    'protobufjs',
    'yauzl',
    'yazl',
  ],
  /** Pure JavaScript that also runs in the renderer and the sandboxed preload. */
  browser: ['zod', 'react', 'react-dom', 'p-queue', '@tanstack/react-virtual'],
  /** Electron's own API: the desktop shell only. */
  electron: ['electron'],
};

/**
 * Layers, lowest first, each with the layers and kinds of package it may import. `cli` is the
 * CLI commands of a feature: they reach core only through the typed client, like any shell.
 */
export const LAYERS = [
  { name: 'contract', files: /^core\/contract\//, layers: ['contract'], packages: ['browser'] },
  {
    name: 'kernel',
    files: /^core\/kernel\//,
    layers: ['contract', 'kernel'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'db',
    files: /^core\/db\//,
    layers: ['contract', 'kernel', 'db'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'jobs',
    files: /^core\/jobs\//,
    layers: ['contract', 'kernel', 'db', 'jobs'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'cli',
    files: /^core\/features\/[^/]+\/cli\.ts$/,
    layers: ['contract', 'kernel'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'features',
    files: /^core\/features\//,
    layers: ['contract', 'kernel', 'db', 'jobs', 'features', 'cli'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'app',
    files: /^core\/app\//,
    layers: ['contract', 'kernel', 'db', 'jobs', 'features', 'cli', 'app'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'host',
    files: /^core\/host\//,
    layers: ['contract', 'kernel', 'app', 'host'],
    packages: ['builtin', 'node', 'browser'],
  },
  {
    name: 'electron-main',
    files: /^electron\/main\//,
    layers: ['contract', 'app', 'host', 'electron-main'],
    packages: ['builtin', 'node', 'browser', 'electron'],
  },
  {
    name: 'preload',
    files: /^electron\/preload\//,
    layers: ['contract', 'preload'],
    packages: ['browser', 'electron'],
  },
  { name: 'renderer', files: /^renderer\//, layers: ['contract', 'renderer'], packages: ['browser'] },
];

/** Electron APIs that belong to exactly one file each (house rule 2). */
const ONE_FILE_APIS = {
  ipcMain: { files: /^electron\/main\/ipc\.ts$/, where: 'electron/main/ipc.ts' },
  ipcRenderer: { files: /^electron\/preload\//, where: 'electron/preload/' },
};

const BUILTINS = new Set(builtinModules);

function layerOf(path) {
  return LAYERS.find((l) => l.files.test(path)) ?? null;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function packageKind(spec) {
  if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0])) return 'builtin';
  const name = packageName(spec);
  for (const [kind, names] of Object.entries(PACKAGES)) if (names.includes(name)) return kind;
  return null;
}

const KIND_WORDS = {
  builtin: 'Node built-ins',
  node: 'Node-only packages',
  browser: 'browser-safe packages',
  electron: 'Electron',
};

export const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layer allow-lists of docs/ARCHITECTURE.md' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = relative(root, context.filename).split(sep).join('/');
    const layer = layerOf(file);
    if (!layer) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(context.filename), spec))
          .split(sep)
          .join('/');
        const to = layerOf(target);
        if (to === null) {
          context.report({
            node,
            message: `${layer.name} may not import ${target}: it belongs to no layer.`,
          });
        } else if (!layer.layers.includes(to.name)) {
          context.report({
            node,
            message: `${layer.name} may not import ${to.name} (${target}); ${layer.name} may import: ${layer.layers.join(', ')}.`,
          });
        }
        return;
      }
      const kind = packageKind(spec);
      if (kind === null) {
        context.report({
          node,
          message: `"${packageName(spec)}" is not classified: add it to PACKAGES in eslint/layers.js (node, browser or electron).`,
        });
      } else if (!layer.packages.includes(kind)) {
        context.report({
          node,
          message: `${layer.name} may not import "${spec}" (${KIND_WORDS[kind]}); it may use: ${layer.packages.map((k) => KIND_WORDS[k]).join(', ')}.`,
        });
      }
    };
    const checkNamed = (node) => {
      if (node.source?.value !== 'electron') return;
      for (const s of node.specifiers ?? []) {
        const name = s.imported?.name;
        const allowed = ONE_FILE_APIS[name];
        if (allowed && !allowed.files.test(file)) {
          context.report({ node: s, message: `Only ${allowed.where} may use ${name} (house rule 2).` });
        }
      }
    };
    return {
      ImportDeclaration(node) {
        check(node, node.source.value);
        checkNamed(node);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source.value);
      },
      ExportAllDeclaration(node) {
        check(node, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node, node.source.value);
      },
      TSImportType(node) {
        const value = node.argument?.literal?.value ?? node.argument?.value;
        check(node, value);
      },
    };
  },
};

export default { rules: { layers: rule } };
