#!/usr/bin/env python3
"""Record what PyTorch computes for quantization observers, fake quantization and
float16 rounding, so Quantscope's TypeScript can be checked against an independent
implementation.

Regenerate (needs Debian's PyTorch, installed for /usr/bin/python3 only):

    /usr/bin/python3 test/golden/make_torch_golden.py

This writes test/golden/torch_golden.json next to this script (``-o PATH`` writes
elsewhere, ``-o -`` writes to stdout). Nothing else is printed on stdout, so
``python3 test/golden/make_torch_golden.py > test/golden/torch_golden.json`` also
works. If the interpreter that runs the script has no torch, the script re-executes
itself with /usr/bin/python3.

The output is deterministic: every tensor comes from a fixed seed, torch runs on one
thread, and the JSON is written with a fixed key order. Running the script twice
gives byte-identical files.

Encoding (also written into the JSON under "encoding"):
- float arrays: fields ending in ``_f32b64`` hold base64 of little-endian float32
  bytes, in C (row-major) order; the matching ``shape`` field gives the shape.
- integer arrays: plain JSON lists of ints.
- float scalars: JSON numbers. Every one of them is a float32 value written as the
  shortest decimal that round-trips the float64 holding it, so parsing it in
  JavaScript gives exactly that float32 value (Math.fround(v) === v).
"""

import os
import sys

try:
    import torch
except ImportError:  # the python3 first on PATH has no torch; Debian's has.
    _debian = "/usr/bin/python3"
    if os.path.exists(_debian) and os.path.realpath(sys.executable) != os.path.realpath(_debian):
        os.execv(_debian, [_debian, os.path.abspath(__file__)] + sys.argv[1:])
    raise

import argparse
import base64
import hashlib
import json
import platform
import warnings

import numpy as np
from torch.ao.quantization.observer import (
    HistogramObserver,
    MinMaxObserver,
    MovingAverageMinMaxObserver,
    PerChannelMinMaxObserver,
)

warnings.filterwarnings("ignore")  # reduce_range deprecation etc.; nothing goes to stdout anyway
torch.manual_seed(0)
np.random.seed(0)
torch.set_num_threads(1)

F32 = np.float32

# --------------------------------------------------------------------------- helpers


def b64f32(a):
    """base64 of little-endian float32 bytes (C order)."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    arr = np.ascontiguousarray(np.asarray(a, dtype="<f4"))
    return base64.b64encode(arr.tobytes()).decode("ascii")


def f32(x):
    """A float32 value as a Python float (exact)."""
    if isinstance(x, torch.Tensor):
        assert x.numel() == 1, x
        x = x.reshape(()).item()
    return float(F32(x))


def ints(t):
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().reshape(-1).tolist()
    return [int(v) for v in t]


def counts(t):
    """Histogram counts: ints when every count is integral, else floats."""
    vals = t.detach().cpu().reshape(-1).tolist()
    if all(float(v).is_integer() for v in vals):
        return [int(v) for v in vals]
    return [f32(v) for v in vals]


def dumps(obj, level=0):
    """JSON with nested objects indented one space per level and lists of scalars kept
    on one line (readable at the top, compact for the long count/bit lists)."""
    pad = " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [pad + json.dumps(k) + ": " + dumps(v, level + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * level + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        return "[\n" + ",\n".join(pad + dumps(v, level + 1) for v in obj) + "\n" + " " * level + "]"
    return json.dumps(obj, allow_nan=False, separators=(",", ":") if isinstance(obj, list) else (", ", ": "))


def gen(seed):
    return torch.Generator().manual_seed(seed)


DTYPE_NAME = {torch.quint8: "quint8", torch.qint8: "qint8"}
QSCHEME_NAME = {
    torch.per_tensor_affine: "per_tensor_affine",
    torch.per_tensor_symmetric: "per_tensor_symmetric",
    torch.per_channel_affine: "per_channel_affine",
    torch.per_channel_symmetric: "per_channel_symmetric",
}


def observer_config(obs):
    return {
        "dtype": DTYPE_NAME[obs.dtype],
        "qscheme": QSCHEME_NAME[obs.qscheme],
        "quant_min": int(obs.quant_min),
        "quant_max": int(obs.quant_max),
        "has_customized_qrange": bool(obs.has_customized_qrange),
        "reduce_range": bool(obs.reduce_range),
        "eps": f32(obs.eps),
    }


def obs_kwargs(cfg):
    kw = {"dtype": cfg["dtype"], "qscheme": cfg["qscheme"]}
    for k in ("quant_min", "quant_max", "reduce_range"):
        if k in cfg:
            kw[k] = cfg[k]
    return kw


# --------------------------------------------------------------------------- minmax


def minmax_tensors():
    g = gen(101)
    shape = (2, 4, 8, 8)
    normal = torch.randn(shape, generator=g)
    uniform = torch.rand(shape, generator=g) * 5.0 - 2.0  # U(-2, 3)
    relu = torch.relu(torch.randn(shape, generator=g) * 1.5)
    all_negative = -torch.relu(torch.randn(shape, generator=g)) - 0.25
    zeros = torch.zeros(shape)
    const = torch.full(shape, 3.5)
    outlier = torch.randn(shape, generator=g) * 0.5
    outlier.view(-1)[77] = 1000.0
    tiny = torch.randn(shape, generator=g) * 1e-6
    return [
        ("normal", normal),
        ("uniform_-2_3", uniform),
        ("relu", relu),
        ("all_negative", all_negative),
        ("all_zero", zeros),
        ("constant_3.5", const),
        ("one_huge_outlier", outlier),
        ("tiny_1e-6", tiny),
    ]


MINMAX_CONFIGS = [
    ("quint8_affine_default", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine}),
    ("qint8_symmetric", {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric}),
    ("qint8_affine", {"dtype": torch.qint8, "qscheme": torch.per_tensor_affine}),
    ("quint8_symmetric", {"dtype": torch.quint8, "qscheme": torch.per_tensor_symmetric}),
    ("quint8_affine_0_15", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine, "quant_min": 0, "quant_max": 15}),
    ("qint8_affine_-8_7", {"dtype": torch.qint8, "qscheme": torch.per_tensor_affine, "quant_min": -8, "quant_max": 7}),
    ("qint8_symmetric_-8_7", {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric, "quant_min": -8, "quant_max": 7}),
    ("quint8_symmetric_0_15", {"dtype": torch.quint8, "qscheme": torch.per_tensor_symmetric, "quant_min": 0, "quant_max": 15}),
    ("quint8_affine_reduce_range", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine, "reduce_range": True}),
]


def make_minmax():
    out = []
    for tname, x in minmax_tensors():
        for cname, cfg in MINMAX_CONFIGS:
            obs = MinMaxObserver(**obs_kwargs(cfg))
            obs(x)
            scale, zp = obs.calculate_qparams()
            out.append({
                "name": f"{tname}/{cname}",
                "observer": "MinMaxObserver",
                **observer_config(obs),
                "shape": list(x.shape),
                "input_f32b64": b64f32(x),
                "min_val": f32(obs.min_val),
                "max_val": f32(obs.max_val),
                "scale": f32(scale),
                "zero_point": int(zp.item()),
            })
    return out


# --------------------------------------------------------------------------- per-channel minmax


def make_per_channel_minmax():
    g = gen(202)
    w = torch.randn(8, 4, 3, 3, generator=g) * 0.1
    w[1] = 0.0  # dead channel
    w[2] = torch.rand(4, 3, 3, generator=g) * 0.3 + 0.01  # all-positive channel
    w[3] = -0.05  # constant negative channel
    w[5, 0, 0, 0] = 2.0  # outlier in one channel
    w[6] = w[6] * 1e-5  # tiny channel (scale hits eps)
    act = torch.randn(2, 6, 5, 5, generator=g) * 2.0 + 0.5
    act[:, 0] = torch.relu(act[:, 0])  # one-sided channel
    act[:, 3] = 1.25  # constant channel
    tensors = [("conv_weight_8x4x3x3", w, 0), ("activation_2x6x5x5_axis1", act, 1)]
    configs = [
        ("qint8_per_channel_symmetric", {"dtype": torch.qint8, "qscheme": torch.per_channel_symmetric}),
        ("quint8_per_channel_affine", {"dtype": torch.quint8, "qscheme": torch.per_channel_affine}),
        ("qint8_per_channel_affine", {"dtype": torch.qint8, "qscheme": torch.per_channel_affine}),
        ("quint8_per_channel_symmetric", {"dtype": torch.quint8, "qscheme": torch.per_channel_symmetric}),
        ("qint8_per_channel_symmetric_-8_7", {"dtype": torch.qint8, "qscheme": torch.per_channel_symmetric, "quant_min": -8, "quant_max": 7}),
        ("qint8_per_channel_symmetric_-127_127", {"dtype": torch.qint8, "qscheme": torch.per_channel_symmetric, "quant_min": -127, "quant_max": 127}),
    ]
    out = []
    for tname, x, axis in tensors:
        for cname, cfg in configs:
            obs = PerChannelMinMaxObserver(ch_axis=axis, **obs_kwargs(cfg))
            obs(x)
            scales, zps = obs.calculate_qparams()
            out.append({
                "name": f"{tname}/{cname}",
                "observer": "PerChannelMinMaxObserver",
                "ch_axis": axis,
                **observer_config(obs),
                "shape": list(x.shape),
                "input_f32b64": b64f32(x),
                "num_channels": int(x.shape[axis]),
                "min_val_f32b64": b64f32(obs.min_val),
                "max_val_f32b64": b64f32(obs.max_val),
                "scales_f32b64": b64f32(scales.to(torch.float32)),
                "zero_points": ints(zps),
            })
    return out


# --------------------------------------------------------------------------- moving average


def make_moving_average():
    out = []
    datasets = []
    g = gen(303)
    # drifting, widening batches
    datasets.append(("drifting_normal", [torch.randn(4, 16, generator=g) * (1.0 + 0.5 * i) + 0.3 * i for i in range(5)]))
    # ReLU-like batches with one spike batch
    b = [torch.relu(torch.randn(4, 16, generator=g) * 2.0) for _ in range(5)]
    b[2].view(-1)[5] = 40.0
    datasets.append(("relu_with_spike", b))
    configs = [
        (0.01, "quint8_affine", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine}),
        (0.5, "quint8_affine", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine}),
        (0.5, "qint8_symmetric", {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric}),
    ]
    for dname, batches in datasets:
        for c, cname, cfg in configs:
            obs = MovingAverageMinMaxObserver(averaging_constant=c, **obs_kwargs(cfg))
            recs = []
            for x in batches:
                obs(x)
                mn, mx = torch.aminmax(x)
                recs.append({
                    "shape": list(x.shape),
                    "input_f32b64": b64f32(x),
                    "batch_min": f32(mn),
                    "batch_max": f32(mx),
                    "min_val": f32(obs.min_val),
                    "max_val": f32(obs.max_val),
                })
            scale, zp = obs.calculate_qparams()
            out.append({
                "name": f"{dname}/c={c}/{cname}",
                "observer": "MovingAverageMinMaxObserver",
                "averaging_constant": c,
                "averaging_constant_f32": f32(c),
                **observer_config(obs),
                "batches": recs,
                "scale": f32(scale),
                "zero_point": int(zp.item()),
            })
    return out


# --------------------------------------------------------------------------- fake quant


def fq_values(g, scale, qmin, qmax, zp, n_random=192):
    """Inputs exercising one (scale, zp, range), as (random, special) float32 arrays.
    special = values outside the range, zeros, +-0.5/1.5/2.5 steps, one float32 ulp either
    side of some ties, then grid points k * scale and ties (k +- 0.5) * scale built in
    float64 (exact ties in float32 when the scale is a power of two)."""
    s = np.float64(F32(scale))
    k_lo, k_hi = qmin - zp, qmax - zp  # representable offsets q - zp
    rnd = torch.randn(n_random, generator=g).numpy().astype(np.float64) * s * (k_hi - k_lo) / 4
    extras = np.array([(k_hi + 20) * s, (k_lo - 20) * s, 1e4 * s, -1e4 * s, 1e6 * s, -1e6 * s, 0.0, -0.0,
                       s * 0.5, -s * 0.5, s * 1.5, -s * 1.5, s * 2.5, -s * 2.5]).astype(np.float32)
    tie = ((np.arange(k_lo, k_hi, max(1, (k_hi - k_lo) // 8)) + 0.5) * s).astype(np.float32)
    ulps = np.concatenate([np.nextafter(tie, np.float32(np.inf)), np.nextafter(tie, np.float32(-np.inf))])
    ks = np.arange(k_lo - 3, k_hi + 3, dtype=np.float64)
    grid_ties = np.stack([(ks + 0.5) * s, ks * s, (ks - 0.5) * s], axis=1).reshape(-1).astype(np.float32)
    special = np.concatenate([extras, ulps, grid_ties]).astype(np.float32)
    return rnd.astype(np.float32), special


def quant_dtype_for(qmin, qmax, zps):
    """The torch quantized dtype whose full range contains [qmin, qmax] and the zero points."""
    zps = list(zps)
    if qmin >= 0 and all(0 <= z <= 255 for z in zps):
        return torch.quint8
    if qmin >= -128 and qmax <= 127 and all(-128 <= z <= 127 for z in zps):
        return torch.qint8
    return None


def make_fake_quant():
    out = []
    g = gen(404)
    per_tensor = [
        # name, scale, zero_point, quant_min, quant_max
        ("pow2_scale_0.25_zp0_int8", 0.25, 0, -128, 127),
        ("pow2_scale_1/64_negative_zp-3_int8", 1.0 / 64, -3, -128, 127),
        ("scale_0.1_zp10_uint8", 0.1, 10, 0, 255),
        ("scale_6/255_zp128_uint8", 6.0 / 255, 128, 0, 255),
        ("scale_0.0037_negative_zp-100_int8", 0.0037, -100, -128, 127),
        ("pow2_scale_0.5_zp0_uint4_0_15", 0.5, 0, 0, 15),
        ("scale_0.3_zp3_uint4_0_15", 0.3, 3, 0, 15),
        ("pow2_scale_0.125_negative_zp-2_int4_-8_7", 0.125, -2, -8, 7),
        ("scale_1.7_zp0_narrow_-127_127", 1.7, 0, -127, 127),
        ("scale_0.02_zp0_int8_symmetric", 0.02, 0, -128, 127),
    ]
    for name, scale, zp, qmin, qmax in per_tensor:
        scale32 = f32(scale)
        rnd, special = fq_values(g, scale32, qmin, qmax, zp)
        x = torch.from_numpy(np.concatenate([rnd, special]))
        y = torch.fake_quantize_per_tensor_affine(x, scale32, zp, qmin, qmax)
        rec = {
            "name": name,
            "op": "fake_quantize_per_tensor_affine",
            "shape": list(x.shape),
            "input_f32b64": b64f32(x),
            "scale": scale32,
            "zero_point": zp,
            "quant_min": qmin,
            "quant_max": qmax,
            "output_f32b64": b64f32(y),
        }
        qd = quant_dtype_for(qmin, qmax, [zp])
        if qd is not None:
            q = torch.quantize_per_tensor(x, scale32, zp, qd).int_repr().to(torch.int64)
            # fake quant must equal dequant(clamp(q, qmin, qmax)) with the same rounding
            ref = ((q.clamp(qmin, qmax) - zp).to(torch.float32) * torch.tensor(scale32, dtype=torch.float32))
            assert torch.equal(ref.view(torch.int32), y.view(torch.int32)), name
            rec["quantize"] = {
                "op": "quantize_per_tensor(...).int_repr()",
                "dtype": DTYPE_NAME[qd],
                "clamp_min": int(torch.iinfo(torch.uint8 if qd == torch.quint8 else torch.int8).min),
                "clamp_max": int(torch.iinfo(torch.uint8 if qd == torch.quint8 else torch.int8).max),
                "int_repr": ints(q),
            }
        else:
            rec["quantize"] = None
        out.append(rec)

    # per-channel: conv-like weight, axis 0
    w_scales = [0.25, 0.01, 1.0 / 128, 0.0031, 0.7, 0.05]
    w_zps = [0, 0, -5, 3, 0, -1]
    w_qmin, w_qmax = -128, 127
    act_scales = [0.1, 0.5, 0.02, 1.0 / 32, 0.0123]
    act_zps = [0, 128, 17, 255, 64]
    act_qmin, act_qmax = 0, 255
    w4_scales = [0.5, 0.3, 0.125, 0.07]
    w4_zps = [0, -2, 1, -8]
    w4_qmin, w4_qmax = -8, 7
    pc_cases = [
        ("weight_6x8x3x3_axis0_int8", (6, 8, 3, 3), 0, w_scales, w_zps, w_qmin, w_qmax),
        ("activation_2x5x8x8_axis1_uint8", (2, 5, 8, 8), 1, act_scales, act_zps, act_qmin, act_qmax),
        ("weight_4x4x3x3_axis0_int4_-8_7", (4, 4, 3, 3), 0, w4_scales, w4_zps, w4_qmin, w4_qmax),
    ]
    for name, shape, axis, scales, zps, qmin, qmax in pc_cases:
        scales32 = [f32(s) for s in scales]
        x = torch.empty(shape)
        xm = x.movedim(axis, 0)  # view: writes go into x
        per_ch = int(np.prod(shape)) // shape[axis]
        for c in range(shape[axis]):
            rnd, special = fq_values(g, scales32[c], qmin, qmax, zps[c], n_random=per_ch)
            # all the out-of-range / ulp / small-step values (first 14 + ulps), then evenly
            # spaced grid points and ties, then random values to fill the channel
            n_head = min(len(special), per_ch // 2)
            head = special[:n_head // 2]
            rest = special[len(head):]
            pick = rest[np.linspace(0, len(rest) - 1, n_head - len(head)).round().astype(np.int64)]
            sel = np.concatenate([head, pick, rnd])[:per_ch]
            xm[c].copy_(torch.from_numpy(sel.astype(np.float32)).reshape(xm[c].shape))
        st = torch.tensor(scales32, dtype=torch.float32)
        y = torch.fake_quantize_per_channel_affine(x, st, torch.tensor(zps, dtype=torch.int32), axis, qmin, qmax)
        rec = {
            "name": name,
            "op": "fake_quantize_per_channel_affine",
            "shape": list(shape),
            "axis": axis,
            "input_f32b64": b64f32(x),
            "scales_f32b64": b64f32(st),
            "zero_points": [int(z) for z in zps],
            "quant_min": qmin,
            "quant_max": qmax,
            "output_f32b64": b64f32(y),
        }
        qd = quant_dtype_for(qmin, qmax, zps)
        if qd is not None:
            q = torch.quantize_per_channel(x, st.to(torch.float64), torch.tensor(zps, dtype=torch.int64), axis, qd)
            q = q.int_repr().to(torch.int64)
            bshape = [1] * len(shape)
            bshape[axis] = shape[axis]
            ref = (q.clamp(qmin, qmax) - torch.tensor(zps).reshape(bshape)).to(torch.float32) * st.reshape(bshape)
            assert torch.equal(ref.view(torch.int32), y.view(torch.int32)), name
            rec["quantize"] = {
                "op": "quantize_per_channel(...).int_repr()",
                "dtype": DTYPE_NAME[qd],
                "clamp_min": 0 if qd == torch.quint8 else -128,
                "clamp_max": 255 if qd == torch.quint8 else 127,
                "int_repr": ints(q),
            }
        else:
            rec["quantize"] = None
        out.append(rec)
    return out


def check_rounding_rule():
    """Empirically pin down torch's rounding: q = zp + rint(x * fl32(1 / fl32(scale)))
    in float32, ties to even. Returns a dict of mismatch counts per candidate rule."""
    rng = np.random.default_rng(7)
    n = 20000
    rules = {
        "fl32(x * fl32(1/scale)), round half to even": lambda x, s: np.rint(x * (F32(1.0) / s)),
        "fl32(x / scale), round half to even": lambda x, s: np.rint(x / s),
        "x / scale exact (float64), round half to even": lambda x, s: np.rint(x.astype(np.float64) / np.float64(s)),
        "fl32(x * fl32(1/scale)), round half away from zero": lambda x, s: np.sign(x * (F32(1.0) / s)) * np.floor(np.abs(x * (F32(1.0) / s)) + 0.5),
    }
    mismatches = {k: 0 for k in rules}
    total = 0
    for scale in [0.1, 6.0 / 255, 0.3, 0.07, 0.013, 0.7, 0.25, 1.0 / 64]:
        s = F32(scale)
        k = rng.integers(-120, 120, n)
        x = ((k + 0.5) * np.float64(s)).astype(np.float32)
        x = np.concatenate([x, (x.view(np.int32) + rng.integers(-2, 3, n).astype(np.int32)).view(np.float32)])
        t = torch.from_numpy(x)
        q_pt = torch.quantize_per_tensor(t, float(s), 0, torch.qint32).int_repr().numpy().astype(np.int64)
        q_fq = (torch.fake_quantize_per_tensor_affine(t, float(s), 0, -(2 ** 20), 2 ** 20).numpy() / s).astype(np.float64)
        total += len(x)
        for name, rule in rules.items():
            r = rule(x, s).astype(np.int64)
            mismatches[name] += int((r != q_pt).sum()) + int((np.rint(q_fq).astype(np.int64) != r).sum())
    return {"values_tested": total, "mismatches_per_rule": mismatches}


# --------------------------------------------------------------------------- histogram


HIST_CONFIGS = [
    ("quint8_affine_default", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine}),
    ("qint8_symmetric", {"dtype": torch.qint8, "qscheme": torch.per_tensor_symmetric}),
]


def hist_record(obs, name, path, x, store_input, extra=None):
    new_min, new_max = obs._non_linear_param_search()
    scale, zp = obs.calculate_qparams()
    s2, z2 = obs._calculate_qparams(new_min, new_max)
    assert torch.equal(scale, s2) and torch.equal(zp.to(torch.int64), z2.to(torch.int64)), name
    rec = {
        "name": name,
        "observer": "HistogramObserver",
        "path": path,
        "bins": int(obs.bins),
        "upsample_rate": int(obs.upsample_rate),
        "dst_nbins": int(obs.dst_nbins),
        **observer_config(obs),
        "shape": list(x.shape),
        "numel": int(x.numel()),
    }
    rec["input_f32b64"] = b64f32(x) if store_input else None
    rec["input_sha256"] = hashlib.sha256(np.ascontiguousarray(x.numpy(), dtype="<f4").tobytes()).hexdigest()
    rec.update(extra or {})
    rec.update({
        "min_val": f32(obs.min_val),
        "max_val": f32(obs.max_val),
        "bin_width": f32((obs.max_val - obs.min_val) / obs.bins),
        "histogram": counts(obs.histogram),
        "histogram_sum": float(obs.histogram.sum().item()),
        "new_min": f32(new_min),
        "new_max": f32(new_max),
        "scale": f32(scale),
        "zero_point": int(zp.item()),
    })
    return rec


def make_histogram():
    out = []
    g = gen(505)
    # (a) data strictly inside (-1, 1): int(min) == int(max) == 0, so histc falls back to the
    #     data's own min/max and forward() builds the correct histogram.
    inside = []
    inside.append(("uniform_-0.9_0.95", torch.rand(4096, generator=g) * 1.85 - 0.9))
    inside.append(("normal_0.3_clipped_1x8x16x16", (torch.randn(1, 8, 16, 16, generator=g) * 0.3).clamp(-0.99, 0.99)))
    inside.append(("relu_like_0_1_1x8x16x16", (torch.randn(1, 8, 16, 16, generator=g) * 0.3).clamp(0.0, 0.99)))
    o = torch.randn(4096, generator=g) * 0.05
    o[[10, 500, 2000]] = torch.tensor([0.9, -0.85, 0.97])
    inside.append(("narrow_normal_with_outliers_in_-1_1", o))
    for dname, x in inside:
        assert -1.0 < float(x.min()) and float(x.max()) < 1.0
        cfgs = list(HIST_CONFIGS)
        if dname.startswith("uniform"):
            cfgs.append(("quint8_affine_0_15", {"dtype": torch.quint8, "qscheme": torch.per_tensor_affine, "quant_min": 0, "quant_max": 15}))
        for cname, cfg in cfgs:
            obs = HistogramObserver(bins=2048, **obs_kwargs(cfg))
            obs(x)
            ref = torch.histc(x, 2048, min=float(obs.min_val), max=float(obs.max_val))
            extra = {
                "forward_histc_int_min_max": [int(obs.min_val), int(obs.max_val)],
                "histogram_equals_histc_with_float_min_max": bool(torch.equal(ref, obs.histogram)),
            }
            out.append(hist_record(obs, f"{dname}/{cname}", "forward", x, True, extra))

    # (b) wider data: forward() would call histc with int-truncated min/max (torch bug), so
    #     the histogram is built here with float min/max and put into the observer by hand.
    g = gen(606)
    big = torch.randn(1, 64, 56, 56, generator=g)
    idx = torch.randint(0, big.numel(), (8,), generator=g)
    big.view(-1)[idx] = torch.tensor([12.5, -9.75, 15.0, 20.3, -14.2, 11.1, 9.9, -18.6])
    relu = torch.relu(torch.randn(1, 16, 28, 28, generator=g) * 2.0)
    ridx = torch.randint(0, relu.numel(), (5,), generator=g)
    relu.view(-1)[ridx] = torch.tensor([25.3, 18.0, 14.7, 30.1, 21.9])
    medium = torch.randn(4096, generator=g) * 3.0 + 0.7
    medium[[3, 1000, 3000]] = torch.tensor([40.0, -22.5, 31.0])
    wide = [
        ("normal_1x64x56x56_with_outliers", big, False,
         "torch.Generator().manual_seed(606); x = torch.randn(1,64,56,56, generator=g); "
         "idx = torch.randint(0, x.numel(), (8,), generator=g); "
         "x.view(-1)[idx] = [12.5, -9.75, 15.0, 20.3, -14.2, 11.1, 9.9, -18.6]"),
        ("relu_1x16x28x28_with_outliers", relu, True, None),
        ("normal_3_4096_with_outliers", medium, True, None),
    ]
    for dname, x, store, recipe in wide:
        for cname, cfg in HIST_CONFIGS:
            # what the real forward() does, for contrast
            buggy = HistogramObserver(bins=2048, **obs_kwargs(cfg))
            buggy(x)
            bnm, bnx = buggy._non_linear_param_search()
            bs, bz = buggy.calculate_qparams()
            obs = HistogramObserver(bins=2048, **obs_kwargs(cfg))
            mn, mx = torch.aminmax(x)
            hist = torch.histc(x, obs.bins, min=float(mn), max=float(mx))
            obs.histogram.copy_(hist)
            obs.min_val.copy_(mn)
            obs.max_val.copy_(mx)
            extra = {
                "histogram_built_with": "torch.histc(x, bins, min=float(min_val), max=float(max_val))",
                "input_recipe": recipe,
                "torch_forward_for_contrast": {
                    "histc_min_max": [int(buggy.min_val), int(buggy.max_val)],
                    "histogram_sum": float(buggy.histogram.sum().item()),
                    "histogram_equals_manual": bool(torch.equal(buggy.histogram, hist)),
                    "new_min": f32(bnm),
                    "new_max": f32(bnx),
                    "scale": f32(bs),
                    "zero_point": int(bz.item()),
                },
            }
            out.append(hist_record(obs, f"{dname}/{cname}", "manual_histc", x, store, extra))
    return out


def check_histc_binning():
    """Pin down torch.histc's bin index: floor(fl32(fl32(x - min) * bins) / fl32(max - min))
    computed in float32, last bin closed; values outside [min, max] ignored."""
    rng = np.random.default_rng(8)
    bins = 2048
    rules = {
        "float32 ((x - min) * bins) / (max - min)": lambda x, a, b: (x - a) * F32(bins) / (b - a),
        "float64 ((x - min) * bins) / (max - min)": lambda x, a, b: (x.astype(np.float64) - np.float64(a)) * bins / (np.float64(b) - np.float64(a)),
        "float32 (x - min) * (bins / (max - min))": lambda x, a, b: (x - a) * (F32(bins) / (b - a)),
    }
    mism = {k: 0 for k in rules}
    total = 0
    for trial in range(12):
        x = (rng.standard_normal(50000) * rng.uniform(0.01, 50)).astype(np.float32)
        if trial % 3 == 0:
            x = np.maximum(x, 0)
        a, b = F32(x.min()), F32(x.max())
        if trial % 2:
            a, b = F32(a * 0.7), F32(b * 0.8)
        edges = (np.float64(a) + (np.float64(b) - np.float64(a)) * np.arange(bins + 1) / bins).astype(np.float32)
        e = edges[rng.integers(0, bins + 1, 10000)]
        x = np.concatenate([x, e, np.nextafter(e, F32(np.inf)), np.nextafter(e, F32(-np.inf))])
        x = x[np.isfinite(x)]
        h = torch.histc(torch.from_numpy(x), bins, min=float(a), max=float(b)).numpy().astype(np.int64)
        xi = x[(x >= a) & (x <= b)]
        total += len(xi)
        for name, rule in rules.items():
            p = np.minimum(rule(xi, a, b).astype(np.int64), bins - 1)
            mism[name] += int(np.abs(np.bincount(p, minlength=bins) - h).sum())
    return {"values_tested": total, "count_differences_per_rule": mism}


# --------------------------------------------------------------------------- fp16


def make_fp16():
    rng = np.random.default_rng(909)
    groups = []

    def add(label, arr):
        # float32 inputs pass through float64 unchanged; float64 values are rounded once
        groups.append((label, np.asarray(arr).astype(np.float64).astype(np.float32)))

    # normal range, signed, log-uniform magnitudes 1e-4 .. 6e4
    mag = 10.0 ** rng.uniform(-4.2, 4.78, 1400)
    add("normal_range", mag * rng.choice([-1.0, 1.0], 1400))
    # subnormal half range (< 2^-14 ~ 6.1e-5), including values that underflow to zero
    mag = 2.0 ** rng.uniform(-27, -14, 600)
    add("subnormal_range", mag * rng.choice([-1.0, 1.0], 600))
    # exact ties between adjacent normal halves (midpoints need 12 significant bits: exact in f32)
    hb = rng.integers(0x0400, 0x7BFF, 500).astype(np.uint16)  # finite normal, not the largest
    h = hb.view(np.float16).astype(np.float64)
    h_next = (hb + 1).view(np.float16).astype(np.float64)
    ties = (h + h_next) / 2.0
    ties *= rng.choice([-1.0, 1.0], 500)
    add("ties_normal", ties)
    # exact ties between adjacent subnormal halves, plus 2^-25 (tie between 0 and the smallest
    # subnormal) and the tie between the largest subnormal and the smallest normal
    sb = rng.integers(0, 0x03FF, 250).astype(np.uint16)
    s = sb.view(np.float16).astype(np.float64)
    s_next = (sb + 1).view(np.float16).astype(np.float64)
    st = np.concatenate([(s + s_next) / 2.0, [2.0 ** -25, -(2.0 ** -25), 3 * 2.0 ** -25, (1023.5) * 2.0 ** -24]])
    st = st * np.where(np.arange(len(st)) % 3 == 2, -1.0, 1.0)
    add("ties_subnormal", st)
    # one float32 ulp either side of ties
    t32 = np.concatenate([ties, st]).astype(np.float32)
    add("near_ties_up", np.nextafter(t32, np.float32(np.inf))[::2])
    add("near_ties_down", np.nextafter(t32, np.float32(-np.inf))[1::2])
    # around the largest half 65504 and the overflow threshold 65520 (tie -> rounds to inf)
    around = [65504.0, 65505.0, 65512.0, 65519.0, 65519.99609375, 65520.0, 65520.00390625, 65521.0,
              65535.0, 65536.0, 65537.0, 70000.0, 1e5, 1e6, 3.4e38, 65488.0, 65496.0, 65500.0,
              32768.0 + 8.0, 32768.0 + 16.0, 32768.0 + 24.0, 2047.5, 2048.5, 4097.0, 4098.0, 4099.0]
    around = np.array(around + [-v for v in around], dtype=np.float64)
    lin = np.linspace(65000.0, 66000.0, 120)
    add("near_max_and_overflow", np.concatenate([around, lin, -lin]))
    # special values
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 2.0 ** -14, -(2.0 ** -14), 2.0 ** -24, -(2.0 ** -24),
                2.0 ** -26, -(2.0 ** -26), 1023 * 2.0 ** -24, 6.1e-5, 6.0e-5, 5.96e-8, 1e-45, -1e-45,
                np.float32(1.17549435e-38), 0.1, 1.0 / 3.0, 2.0 / 3.0, 1.0 + 2.0 ** -11, 1.0 + 2.0 ** -11 + 2.0 ** -23,
                1.0 + 3 * 2.0 ** -11, 1.0 - 2.0 ** -12, 1.0 - 2.0 ** -12 - 2.0 ** -24]
    add("specials", np.array(specials, dtype=np.float64))
    # exact halves (round trip), random finite bit patterns
    eb = rng.integers(0, 0x7C00, 400).astype(np.uint16) | (rng.integers(0, 2, 400).astype(np.uint16) << 15)
    add("exact_halves", eb.view(np.float16).astype(np.float32))
    # random float32 bit patterns with exponents from 2^-30 to 2^17
    exps = rng.integers(127 - 30, 127 + 17, 700).astype(np.uint32)
    mant = rng.integers(0, 1 << 23, 700).astype(np.uint32)
    sign = rng.integers(0, 2, 700).astype(np.uint32)
    add("random_f32_bits", ((sign << 31) | (exps << 23) | mant).view(np.float32))

    xs = []
    group_ranges = {}
    off = 0
    for label, arr in groups:
        arr = np.asarray(arr, dtype=np.float32)
        xs.append(arr)
        group_ranges[label] = [off, off + len(arr)]
        off += len(arr)
    x = np.concatenate(xs).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        bits = x.astype(np.float16).view(np.uint16)
    # cross-check against torch's own float -> half conversion
    tbits = torch.from_numpy(x.copy()).half().view(torch.int16).numpy().view(np.uint16)
    agree = int((tbits == bits).sum())
    return [{
        "name": "numpy_float32_to_float16",
        "op": "np.asarray(x, np.float32).astype(np.float16).view(np.uint16)",
        "count": int(len(x)),
        "shape": [int(len(x))],
        "input_f32b64": b64f32(x),
        "bits": [int(b) for b in bits],
        "groups": group_ranges,
        "torch_half_agrees": agree,
    }]


# --------------------------------------------------------------------------- main


def build():
    rounding = check_rounding_rule()
    histc = check_histc_binning()
    fp16 = make_fp16()
    notes = {
        "rounding": (
            "torch.quantize_per_tensor / quantize_per_channel and torch.fake_quantize_per_tensor_affine / "
            "fake_quantize_per_channel_affine compute q = zero_point + rint(fl32(x * fl32(1 / fl32(scale)))), "
            "i.e. the product with the float32 reciprocal of the float32 scale, rounded half to even "
            "(std::nearbyint in the default rounding mode), then clamp. Verified empirically on this build "
            "(the C++ sources are not shipped; /usr/include/ATen/native/quantized/AffineQuantizerBase.h declares "
            "quantize_val(double scale, int64_t zero_point, float value)). Mismatches of candidate rules over "
            f"{rounding['values_tested']} near-tie inputs: {json.dumps(rounding['mismatches_per_rule'])}. "
            "x / scale (float32 or float64) is NOT what torch does."
        ),
        "fake_quant_output": (
            "fake_quantize output = fl32(float(clamp(q, quant_min, quant_max) - zero_point) * fl32(scale)); "
            "a value that rounds to the zero point gives +0.0, never -0.0. Scales passed as Python floats are "
            "cast to float32 first; every scale in this file is already a float32 value."
        ),
        "quantize_int_repr_range": (
            "quantize_per_tensor/per_channel clamp to the full range of the quantized dtype (quint8 0..255, "
            "qint8 -128..127), not to a custom quant_min/quant_max; fake_quantize clamps to quant_min..quant_max. "
            "Each fake_quant case's 'quantize' block names the dtype and clamp range used (null when the zero "
            "points do not fit a dtype)."
        ),
        "overflow_quirk": (
            "Not recorded as cases (undefined behaviour in C++): when |x / scale| >= 2^63, or x is +-inf or NaN, "
            "the float -> int64 cast yields INT64_MIN, so torch returns quant_min (e.g. fake_quantize(3e38, 1.0, 0, "
            "-128, 127) = -128 and quantize_per_tensor(+inf) = 0 for quint8). All inputs here stay far below that."
        ),
        "observer_qparams": (
            "_calculate_qparams (observer.py ~296-360), all in float32 tensors: min_neg = min(min_val, 0), "
            "max_pos = max(max_val, 0). Affine: scale = max(fl32((max_pos - min_neg) / (quant_max - quant_min)), eps), "
            "zero_point = clamp(quant_min - round_half_even(fl32(min_neg / scale)), quant_min, quant_max). "
            "Symmetric: scale = max(fl32(max(-min_neg, max_pos) / ((quant_max - quant_min) / 2)), eps), so qint8 "
            "divides by 127.5 (not 127) and 4-bit -8..7 by 7.5; zero_point = 0 for qint8, 128 for quint8 with the "
            "default range, (quant_min + quant_max) // 2 for quint8 with a custom range. eps = float32 machine "
            "epsilon 1.1920928955078125e-07. min_val == max_val (all-zero, constant tensors) is NOT special-cased "
            "despite the docstrings: it yields scale = max(range / n, eps) (all-zero gives scale = eps, zero_point = "
            "quant_min for affine). reduce_range=True halves the default range (quint8 0..127)."
        ),
        "moving_average": (
            "MovingAverageMinMaxObserver: the first batch sets min/max to the batch's aminmax; afterwards "
            "min = fl32(min + fl32(fl32(c) * fl32(batch_min - min))) in float32 with c rounded to float32 "
            "(verified empirically: a float64 c disagrees)."
        ),
        "histc_binning": (
            "torch.histc(x, bins, min, max) on CPU in this build puts x (min <= x <= max, others ignored) into bin "
            "floor(fl32(fl32(fl32(x - min) * bins) / fl32(max - min))), clamped to bins - 1 (the last bin is closed). "
            "If min == max it uses the data's min/max instead, and if those are equal too, min - 1 .. max + 1. "
            f"Count differences of candidate rules over {histc['values_tested']} values (incl. exact bin edges +-1 ulp): "
            f"{json.dumps(histc['count_differences_per_rule'])}. (NaN inputs are counted in bin 0 - none here.)"
        ),
        "histogram_observer_int_bug": (
            "HistogramObserver.forward (observer.py lines 1156-1157 and 1175-1176) calls torch.histc with "
            "min=int(min_val), max=int(max_val): the bounds are truncated toward zero. For data inside (-1, 1) "
            "both become 0, histc falls back to the data's own min/max and the histogram is right (path 'forward'). "
            "For wider data values outside the truncated range are dropped and the bins do not match min_val/max_val, "
            "so path 'manual_histc' cases build the histogram with float bounds, set histogram/min_val/max_val and call "
            "calculate_qparams(); 'torch_forward_for_contrast' shows what forward() really gives."
        ),
        "histogram_search": (
            "_non_linear_param_search (observer.py ~1014-1075): bin_width = fl32((max_val - min_val) / bins); "
            "the L2 error in _compute_quantization_error is computed in float32 tensors (src_bin is int64, "
            "the Python-float bin widths are applied to it giving float32); greedy search with stepsize 1e-5 on the "
            "cumulative-count quantiles that stops at the first step whose error increases (norm > norm_min). "
            "The quantile tests cSum[l] < next_alpha * total and cSum[r] > next_beta * total compare a float32 "
            "tensor with a Python float, which torch rounds to float32 first: use fl32(next_alpha * total) and "
            "fl32(next_beta * total) (next_alpha/next_beta themselves are float64 sums of 1e-5 steps). With exact "
            "float64 thresholds the normal_1x64x56x56 case takes a different path (new_max 12.49 instead of 20.30); "
            "with float32 thresholds a float64 error computation reproduces every case here. "
            "new_min = fl32(min_val + fl32(bin_width * start_bin)), new_max = fl32(min_val + fl32(bin_width * (end_bin + 1))), "
            "so new_max can exceed max_val by float32 rounding (normal_1x64x56x56: 20.300001 > 20.299999). "
            "dst_nbins = 2 ** bits of the dtype (256) even when quant_min/quant_max are customised (see the "
            "quint8_affine_0_15 case): the search always optimises for 256 levels."
        ),
        "fp16": (
            "numpy float32 -> float16 is IEEE round-to-nearest-even, overflow to +-inf from 65520 (the tie between "
            "65504 and 2^16) upward, subnormals below 2^-14, 2^-25 rounds to 0, NaN -> 0x7e00. "
            f"torch's .half() agrees on {fp16[0]['torch_half_agrees']} of {fp16[0]['count']} values."
        ),
    }
    return {
        "format": "quantscope-torch-golden/1",
        "generator": "test/golden/make_torch_golden.py",
        "regenerate": "/usr/bin/python3 test/golden/make_torch_golden.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "torch_threads": torch.get_num_threads(),
        "encoding": {
            "_f32b64": "base64 of little-endian float32 bytes, C (row-major) order; see the sibling 'shape'",
            "integer arrays": "plain JSON lists of ints",
            "float scalars": "JSON numbers holding exact float32 values (Math.fround(v) === v)",
            "dtype names": "quint8 = unsigned 8-bit, qint8 = signed 8-bit (torch quantized dtypes)",
        },
        "notes": notes,
        "cases": {
            "minmax": make_minmax(),
            "per_channel_minmax": make_per_channel_minmax(),
            "moving_average": make_moving_average(),
            "fake_quant": make_fake_quant(),
            "histogram": make_histogram(),
            "fp16": fp16,
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_golden.json"),
                    help="output path, '-' for stdout (default: torch_golden.json next to this script)")
    args = ap.parse_args()
    doc = build()
    text = dumps(doc) + "\n"
    assert json.loads(text) == json.loads(json.dumps(doc, allow_nan=False))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(f"wrote {args.out} ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
