"""``python -m softmax_gui``: the command line (see :mod:`softmax_gui.cli`)."""

import sys

from softmax_gui.cli import main

sys.exit(main())
