"""Reference values for crates/mlhc-signal/tests/quality_golden.rs (record 100, first 60 s).

Run with bench/.venv-signals (numpy 1.26.4, scipy 1.13.1, wfdb 4.3.0) from the repository root.
kSQI is NeuroKit2 0.2.12's _ecg_quality_kSQI (scipy.stats.kurtosis, fisher=True); tSQI is the
per-window template matching of Orphanidou et al. (2015) as documented in mlhc_signal::quality.
"""
import numpy as np
import scipy.signal
import scipy.stats
import wfdb

fs = 360
n = 60 * fs
x = wfdb.rdrecord("testdata/physio/100", sampto=n).p_signal[:, 0]
sos = scipy.signal.butter(5, 0.5, "highpass", fs=fs, output="sos")
clean = scipy.signal.sosfiltfilt(sos, x)
ann = wfdb.rdann("testdata/physio/100", "atr", sampto=n)
beat_syms = set("NLRBaJASVrFejnE/fQ?")
beats = np.array([s for s, sym in zip(ann.sample, ann.symbol) if sym in beat_syms])
win = 10 * fs
for start in range(0, n, win):
    end = min(start + win, n)
    b = beats[(beats >= start) & (beats < end)]
    rr = np.sort(np.diff(b))
    m = int(rr[len(rr) // 2]) if len(rr) % 2 else int((rr[len(rr) // 2 - 1] + rr[len(rr) // 2]) // 2)
    half = m // 2
    ep = np.array([clean[r - half : r + half + 1] for r in b if r >= half and r + half < len(clean)])
    templ = ep.mean(axis=0)
    t = np.mean([np.corrcoef(e, templ)[0, 1] for e in ep])
    k = scipy.stats.kurtosis(clean[start:end], fisher=True)
    print(f"({start}, {len(b)}, {len(ep)}, {t!r}, {k!r}),")
