/** Op codes of the elementwise kernels: defined once, in assembly/abi.ts (generated into abi.generated.ts). */
export { Bin, Un } from '../abi.generated.js';
