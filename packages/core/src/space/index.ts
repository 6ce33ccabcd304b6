export { DISTRIBUTION_TYPES, choiceKey, compareNames, parseDistribution, parseSearchSpace, toNniSpace } from './parse.js';
export { canonicalParams, canonicalValue, describeDistribution, paramKey, validateParams } from './canonical.js';
export {
  distributionSize,
  enumerateSpace,
  firstInfiniteParam,
  isInDistribution,
  sampleDistribution,
  spaceSize,
} from './sample.js';
export { latticeOf, nearestIndex, type Lattice } from './lattice.js';
export { SIGNIFICANT_DIGITS, round12 } from './numeric.js';
