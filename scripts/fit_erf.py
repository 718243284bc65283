#!/usr/bin/python3
"""Fits the two polynomials of the erf kernel (assembly/kernels/activations.ts), run by hand.

The kernel evaluates in float64 and rounds once to float32, so its polynomials only need to be
far below float32's half-ulp (3e-8 relative); these reach ~1e-11:
  |x| < 1:  erf(x)  = x * P(s),                  s = x^2,             P of degree 7
  |x| >= 1: erfc(a) = exp(-a^2) * R(t),          t = 1 / (1 + a/2),   R of degree 11, a in [1, 10]
(beyond a = 10, exp(-a^2) < 4e-44: every float32 result is 0 or 1 whatever R is).
Least squares in relative error on Chebyshev nodes against mpmath at 40 digits.
Prints the coefficients (lowest power first) as AssemblyScript constants and the max relative
error on a fine grid.
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
NODES = 600


def cheb(lo, hi, n=NODES):
    k = np.arange(n)
    return lo + (hi - lo) * (0.5 - 0.5 * np.cos(np.pi * (k + 0.5) / n))


def relative_lstsq(t, y, deg):
    v = np.vander(t, deg + 1, increasing=True)
    c, *_ = np.linalg.lstsq(v / y[:, None], np.ones_like(y), rcond=None)
    return c


def erf_over_x(s):
    x = mp.sqrt(mp.mpf(s))
    return float(mp.erf(x) / x) if s > 0 else float(2 / mp.sqrt(mp.pi))


def scaled_erfc(a):
    a = mp.mpf(a)
    return float(mp.erfc(a) * mp.exp(a * a))


def main():
    s = cheb(0.0, 1.0)
    p = relative_lstsq(s, np.array([erf_over_x(v) for v in s]), 7)
    sd = np.linspace(0.0, 1.0, 4001)
    err_p = max(abs(np.polyval(p[::-1], v) / erf_over_x(v) - 1) for v in sd)

    t = cheb(1 / (1 + 10 / 2), 1 / (1 + 1 / 2))
    a = 2 * (1 - t) / t
    r = relative_lstsq(t, np.array([scaled_erfc(v) for v in a]), 11)
    ad = np.linspace(1.0, 10.0, 4001)
    err_r = max(abs(np.polyval(r[::-1], 1 / (1 + v / 2)) / scaled_erfc(v) - 1) for v in ad)

    for name, c in (("ERF_P", p), ("ERFC_R", r)):
        print(f"// {name}: lowest power first")
        for i, v in enumerate(c):
            print(f"const {name}{i}: f64 = {v!r};")
    print(f"// max relative error: P {err_p:.2e}, R {err_r:.2e}")


if __name__ == "__main__":
    main()
