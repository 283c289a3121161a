"""Fresh float64 output arrays whose pages fault in 2 MB at a time.

A prediction's output is a fresh array that the C code then fills: every 4
KB page of it faults on first write, about 2.3 us a page on a virtual
machine (0.45 ms of a 1.3 ms P(alive) of 10^5 customers; numpy asks the
kernel for huge pages only from 4 MB). A private anonymous mapping aligned
to 2 MB and advised MADV_HUGEPAGE faults once per 2 MB instead (about 0.1
ms for the first, zeroing included), where the kernel's transparent huge
pages are enabled for advised regions (Linux' default). Below LARGE bytes
the 4 KB pages cost less than one huge page, so np.empty serves; so it does
where mmap has no MADV_HUGEPAGE (not Linux) or the mapping fails.

The array is a view of the mapping, which it keeps alive (``arr.base``);
the mapping is unmapped when the last view goes.
"""

from __future__ import annotations

import mmap

import numpy as np

HUGE = 2 << 20
LARGE = 512 << 10
_ADVICE = getattr(mmap, "MADV_HUGEPAGE", None)


def empty_float64(n: int) -> np.ndarray:
    """An uninitialised float64 array of n elements (see the module)."""
    nbytes = 8 * n
    if nbytes < LARGE or _ADVICE is None:
        return np.empty(n)
    span = -(-nbytes // HUGE) * HUGE
    try:
        mapping = mmap.mmap(-1, span + HUGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        # the first 2 MB boundary inside the mapping (mmap aligns to pages only)
        start = -np.frombuffer(mapping, dtype=np.uint8, count=1).ctypes.data % HUGE
        mapping.madvise(_ADVICE, start, span)
    except (OSError, ValueError):
        return np.empty(n)
    return np.frombuffer(mapping, dtype=np.float64, count=n, offset=start)
