"""Golden values for the FLAC-compressed WFDB formats (508/516/524), from wfdb-python.

Run with the benchmark's venv (wfdb 4.3.0, soundfile 0.14.0):
    bench/.venv-signals/bin/python bench/signals/flac_golden.py testdata/physio/flac
Prints, per record and signal, the number of digital samples, their sum, the WFDB 16-bit
checksum and the first and last five digital samples (frames not smoothed), as
`wfdb.rdrecord(path, physical=False, smooth_frames=False)` returns them. The numbers are pasted into
crates/mlhc-signal/tests/wfdb_flac.rs.
"""

import sys

import numpy as np
import wfdb

folder = sys.argv[1]
for name in ["flacformats", "mixedsignals", "flac_3_constant"]:
    rec = wfdb.rdrecord(f"{folder}/{name}", physical=False, smooth_frames=False)
    print(f"{name}: sig_len {rec.sig_len}")
    for j, d in enumerate(rec.e_d_signal):
        d = np.asarray(d, dtype=np.int64)
        checksum = int(((d.sum() + 32768) % 65536) - 32768)
        print(f"  {j} {rec.sig_name[j]}: n {d.size} sum {int(d.sum())} checksum {checksum} "
              f"first {d[:5].tolist()} last {d[-5:].tolist()}")
    p = wfdb.rdrecord(f"{folder}/{name}", smooth_frames=False).e_p_signal
    print("  physical first:", [float(x[0]) for x in p])
