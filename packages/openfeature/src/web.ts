export { OPENFEATURE_REASONS, toAssayAttributes } from "./assay-resolution.js";
export type { AssayProviderOptions } from "./provider-options.js";
export { type AssayWebProvider, createAssayWebProvider } from "./web-provider.js";
