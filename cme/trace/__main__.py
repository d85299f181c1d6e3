"""``python -m cme.trace FILE --device 201``: the reader, as before the split (``cme trace``)."""

import sys

from cme.trace.reader import trace_main

sys.exit(trace_main(sys.argv[1:]))
