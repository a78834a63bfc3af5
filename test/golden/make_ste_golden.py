#!/usr/bin/env python3
"""Record PyTorch's straight-through gradient of fake quantization, so Quantscope's fakeQuantizeSte
(src/quant/ste.ts) can be checked against an independent implementation.

Regenerate (needs Debian's PyTorch, installed for /usr/bin/python3 only):

    /usr/bin/python3 test/golden/make_ste_golden.py > test/golden/ste_golden.json

For each case: inputs x (float32), an upstream gradient dy, the forward output of
torch.fake_quantize_per_tensor_affine / per_channel_affine and x.grad from autograd
(dy where the code round(x / scale) + zero_point lies in [quant_min, quant_max], else 0).
The inputs include values far outside the range, exact ties half a step beyond each end
(power-of-two scales), one float32 ulp either side of them, and random values. Float arrays
are lists of float32 values written as the shortest decimal that round-trips. Deterministic.
"""

import json
import sys

import numpy as np
import torch  # Debian's python3-torch: run with /usr/bin/python3 (the python3 first on PATH has no torch)

torch.set_num_threads(1)
F32 = np.float32


def values(g, scale, qmin, qmax, zp, n_random):
    s = np.float64(F32(scale))
    lo, hi = qmin - zp, qmax - zp
    ends = np.array([lo - 0.5, lo, lo + 0.5, hi - 0.5, hi, hi + 0.5, lo - 1, hi + 1, lo - 1e4, hi + 1e4]) * s
    ends = ends.astype(np.float32)
    ulps = np.concatenate([np.nextafter(ends, np.float32(np.inf)), np.nextafter(ends, np.float32(-np.inf))])
    rnd = (torch.rand(n_random, generator=g, dtype=torch.float64).numpy() * (hi - lo + 6) + lo - 3) * s
    return np.concatenate([ends, ulps, rnd.astype(np.float32), np.array([0.0, -0.0], dtype=np.float32)])


def floats(t):
    return [float(v) for v in np.asarray(t.detach().numpy(), dtype=F32).reshape(-1)]


def run(x, dy, forward):
    x = x.clone().requires_grad_(True)
    y = forward(x)
    y.backward(dy)
    return y, x.grad


def main():
    g = torch.Generator().manual_seed(7)
    cases = []
    for name, scale, zp, qmin, qmax in [
        ("int8_pow2_scale_1/16_zp-5", 1.0 / 16, -5, -128, 127),
        ("uint8_scale_0.1_zp10", 0.1, 10, 0, 255),
        ("int4_narrow_pow2_scale_0.25_zp0", 0.25, 0, -7, 7),
        ("int16_scale_0.003_zp0", 0.003, 0, -32768, 32767),
    ]:
        x = torch.from_numpy(values(g, scale, qmin, qmax, zp, 64))
        dy = torch.rand(x.shape, generator=g) + 0.5
        y, grad = run(x, dy, lambda t: torch.fake_quantize_per_tensor_affine(t, float(F32(scale)), zp, qmin, qmax))
        cases.append({"name": name, "kind": "per-tensor", "shape": list(x.shape), "scale": float(F32(scale)), "zero_point": zp,
                      "quant_min": qmin, "quant_max": qmax, "x": floats(x), "dy": floats(dy), "y": floats(y), "grad": floats(grad)})
    scales = [0.5, 0.125, 0.03, 0.25]
    zps = [0, -2, 3, 0]
    qmin, qmax = -8, 7
    cols = [values(g, s, qmin, qmax, z, 10) for s, z in zip(scales, zps)]
    x = torch.from_numpy(np.stack(cols, axis=1))  # [n, 4]: the channels on axis 1
    dy = torch.rand(x.shape, generator=g) + 0.5
    st = torch.tensor([float(F32(s)) for s in scales], dtype=torch.float32)
    y, grad = run(x, dy, lambda t: torch.fake_quantize_per_channel_affine(t, st, torch.tensor(zps, dtype=torch.int32), 1, qmin, qmax))
    cases.append({"name": "int4_per_channel_axis1", "kind": "per-axis", "axis": 1, "shape": list(x.shape),
                  "scale": [float(v) for v in st.numpy()], "zero_point": zps, "quant_min": qmin, "quant_max": qmax,
                  "x": floats(x), "dy": floats(dy), "y": floats(y), "grad": floats(grad)})
    doc = {"generator": "test/golden/make_ste_golden.py", "torch": torch.__version__, "cases": cases}
    sys.stdout.write(json.dumps(doc, separators=(",", ":")) + "\n")


main()
