import { defineConfig } from "vite";

// No @vitejs/plugin-react: Vite's own esbuild transform compiles JSX with the automatic runtime.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  esbuild: { jsx: "automatic" },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, reportCompressedSize: true },
  server: { proxy: { "/api": process.env.ASSAY_API_URL ?? "http://127.0.0.1:3000" } },
});
