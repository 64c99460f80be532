#!/usr/bin/env python3
"""Writes the .npz fixtures of NPZTests (numpy required). Run: python3 make_fixtures.py

- savez.npz: np.savez (members stored) of a float32 matrix, int64 labels, a bool mask, strings;
- savez_compressed.npz: np.savez_compressed (deflated) of a big-endian Fortran-order float64
  matrix, a 0-d float64, an empty 0 x 3 float32 matrix and uint8 values, passed positionally
  (arr_0 ... arr_3);
- manifest.npz: a manifest.json member before an array (what clus's model files hold);
- object.npz: an object array (a pickle), which clus refuses.
Archive timestamps vary with the run; the tests read only the arrays."""
import os, zipfile, io
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
np.savez(os.path.join(here, "savez.npz"),
         embedding=np.array([[0.5, -1], [2, 3.25], [1e-3, 7]], dtype=np.float32),
         labels=np.array([2, -1, 0]), mask=np.array([True, False, True]), names=np.array(["b", "a", "b"]))
np.savez_compressed(os.path.join(here, "savez_compressed.npz"),
                    np.asfortranarray(np.array([[1.5, 2, 3], [4, 5, -6]], dtype=">f8")), np.float64(2.5),
                    np.zeros((0, 3), np.float32), np.array([0, 7, 255], dtype=np.uint8))
arr = io.BytesIO()
np.save(arr, np.arange(4, dtype=np.float32).reshape(2, 2))
with zipfile.ZipFile(os.path.join(here, "manifest.npz"), "w") as z:
    z.writestr("manifest.json", '{"format": "test", "version": 1}')
    z.writestr("x.npy", arr.getvalue())
np.savez(os.path.join(here, "object.npz"), o=np.array([1, "a"], dtype=object))
