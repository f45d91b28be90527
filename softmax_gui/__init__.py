"""Softmax Studio: train softmax regression on Fashion-MNIST and watch it learn."""

import os

__version__ = "0.1.0"

# torch's OpenMP threads wait for each other by spinning (libgomp: 300,000 turns). On a
# busy machine one of them is descheduled and the others spin on: beside one busy
# process on 2 cores, 3 epochs in the niced trainer took 21-32 s instead of 1.4 s
# (bench/busy_machine.py). 1,000 turns, libgomp's own figure when it has more threads
# than CPUs, then sleep: the same threads do the same work, so every result is the
# same. Set here, before any module of the app imports torch, so it holds in this
# process and every one it starts (the trainer, the CLI); an explicit value wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
