export { OPENFEATURE_REASONS, toAssayAttributes } from "./assay-resolution.js";
export type { AssayProviderOptions } from "./provider-options.js";
export { type AssayServerProvider, createAssayServerProvider } from "./server-provider.js";
