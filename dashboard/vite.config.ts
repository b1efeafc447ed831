// The dashboard's build: a single page (hash routes) the daemon serves from
// dist/dashboard. Built with `npx vite build dashboard` from the repository root.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the page works wherever the daemon mounts it.
  base: './',
  plugins: [preact()],
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    target: 'es2022',
    // The daemon serves these files itself; no source maps shipped to browsers.
    sourcemap: false,
  },
});
