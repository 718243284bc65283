/** Op codes of the elementwise kernels (mirrors assembly/kernels/elementwise.ts). */
export const Bin = { ADD: 0, SUB: 1, MUL: 2, DIV: 3, MAX: 4, MIN: 5, POW: 6, GT: 7, GE: 8, LT: 9, LE: 10, EQ: 11, NE: 12 } as const;
export const Un = {
  NEG: 0, SQUARE: 1, SQRT: 2, EXP: 3, LOG: 4, ABS: 5, SIGMOID: 6, RELU: 7, TANH: 8, SOFTPLUS: 9,
  LEAKY_RELU: 10, POW_SCALAR: 11, CLAMP: 12, AFFINE: 13, SIGN: 14, RECIP: 15, DIV_SCALAR: 16, SCALAR_DIV: 17,
} as const;
