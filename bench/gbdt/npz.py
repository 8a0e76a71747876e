"""Writing npz files the way the gbdt benchmark's readers take them."""
import io
import zipfile

import numpy as np
import scipy.sparse as sp


def savez(path, **arrays):
    # numpy's savez streams entries with zip64 data descriptors, which the benchmark's npz reader does
    # not take; writestr puts the sizes in the local headers.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for k, a in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(a))
            zf.writestr(k + ".npy", buf.getvalue())


def save_csr(path, m):
    """A scipy CSR matrix as `scipy.sparse.save_npz` lays it out (float32 data, int32 indices)."""
    m = sp.csr_matrix(m)
    savez(path, indices=m.indices.astype(np.int32), indptr=m.indptr.astype(np.int64), format=np.array(b"csr"),
          shape=np.array(m.shape, dtype=np.int64), data=m.data.astype(np.float32))
