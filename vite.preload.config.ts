import { defineConfig } from 'vite';

/**
 * A sandboxed preload cannot load ES modules or most of node_modules, so the preload and the
 * contract it uses are bundled into one CommonJS file; only `electron` stays external.
 */
export default defineConfig({
  build: {
    outDir: 'dist/electron/preload',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    lib: { entry: 'electron/preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
