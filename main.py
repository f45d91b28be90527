"""Launch Softmax Studio: ``python main.py [--screenshot PATH [--train-epochs N]]``."""

import sys

from softmax_gui.qt.app import main

if __name__ == "__main__":
    sys.exit(main())
