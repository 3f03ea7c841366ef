export {
  BUCKET_COUNT,
  chooseVariant,
  chooseVariantIndex,
  getBucket,
  type VariantWeight,
} from "./bucketing.js";
export { hashJoined, xxhash32, xxhash32Bytes } from "./xxhash32.js";
