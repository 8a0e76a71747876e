"""A seeded synthetic ECG (Gaussian P-Q-R-S-T waves, Bazett-scaled QT, 5% RR jitter, 0.03 mV noise,
0.3 mV baseline wander at 0.25 Hz) written as a WFDB record (format 16, 360 Hz) with its beats as
reference annotations.  usage: make_synth.py RECORD SECONDS"""
import os
import sys

import numpy as np
import wfdb

path, seconds = sys.argv[1], float(sys.argv[2])
fs = 360
rng = np.random.default_rng(2024)
n = int(seconds * fs)
x = np.zeros(n)
waves = [(-0.17, 0.15, 0.025, True), (-0.025, -0.12, 0.008, False), (0.0, 1.0, 0.010, False),
         (0.028, -0.25, 0.009, False), (0.26, 0.30, 0.045, True)]
t, beats = 0.4, []
while t < seconds:
    bpm = 70 + 20 * np.sin(2 * np.pi * t / 3600)  # slow hourly rate swings, 50-90 bpm
    rr = max(0.25, 60 / bpm * (1 + 0.05 * rng.standard_normal()))
    r = int(round(t * fs))
    if r < n:
        beats.append(r)
    for off, amp, width, scaled in waves:
        c = t + (off * np.sqrt(rr) if scaled else off)
        lo, hi = max(0, int((c - 4 * width) * fs)), min(n, int((c + 4 * width) * fs) + 1)
        if lo < hi:
            k = np.arange(lo, hi) / fs
            x[lo:hi] += amp * np.exp(-0.5 * ((k - c) / width) ** 2)
    t += rr
x += 0.3 * np.sin(2 * np.pi * 0.25 * np.arange(n) / fs) + 0.03 * rng.standard_normal(n)
d, name = os.path.split(path)
wfdb.wrsamp(name, fs=fs, units=["mV"], sig_name=["ECG"], p_signal=x[:, None], fmt=["16"], adc_gain=[1000.0],
            baseline=[0], write_dir=d or ".")
wfdb.wrann(name, "atr", np.array(beats), symbol=["N"] * len(beats), write_dir=d or ".")
print(f"{path}: {n} samples, {len(beats)} beats")
