/** The nn namespace: functional ops now; modules, init and losses as modules join here. */
export * as functional from './functional.js';
