"""Makes the version-1 model-file fixture (docs/model-format.md): the data, then the models and
their predictions with the clus of the time (format version 1). Run from the repository root:
    python3 Tests/ClusRuntimeTests/Fixtures/models/make_v1.py .build/debug/clus
Committed once; later versions of clus must load these files and give the same predictions
(ModelFileTests.testVersion1FixtureLoadsAndPredictsAsWritten). Never regenerate for a later version.
"""
import os, subprocess, sys
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261202)
centres = np.array([[0, 0, 0, 0], [6, 6, 0, 0], [0, 6, 6, 0]], dtype=np.float32)
data = np.concatenate([c + rng.standard_normal((40, 4)).astype(np.float32) for c in centres])
new = np.concatenate([c + rng.standard_normal((6, 4)).astype(np.float32) for c in centres])
new = np.concatenate([new, np.array([[20, 20, 20, 20], [3, 3, 3, 0]], dtype=np.float32)])
np.save(os.path.join(here, "data.npy"), data.astype(np.float32))
np.save(os.path.join(here, "new.npy"), new.astype(np.float32))
subprocess.run([os.path.abspath(sys.argv[1]), "--threads", "2", os.path.join(here, "make_v1.clus")], check=True, cwd=here)
