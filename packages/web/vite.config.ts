import { defaultClientConditions, defineConfig } from "vite";

// No @vitejs/plugin-react: Vite's own esbuild transform compiles JSX with the automatic runtime.
export default defineConfig({
  root: import.meta.dirname,
  base: "./",
  // Workspace packages (e.g. @assay/sdk) are read from their TypeScript sources, not their build.
  resolve: { conditions: ["source", ...defaultClientConditions] },
  esbuild: { jsx: "automatic" },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, reportCompressedSize: true },
  server: { proxy: { "/api": process.env.ASSAY_API_URL ?? "http://127.0.0.1:3000" } },
});
