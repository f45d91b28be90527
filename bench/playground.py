"""The Playground redraws fast enough while it trains: frames a second and the largest
stall of the event loop while 1,000 points train (issue 25: at least 30 frames a second).

Usage::

    QT_QPA_PLATFORM=offscreen python bench/playground.py [--seconds 5] [--repeats 3]

In the real window, on the Lab's Playground page at 1920x1080: the blobs preset with 1,000
points (20% held out) is run (Run, at the speed given) for ``--seconds``, for softmax
regression and for a hidden layer of 16 units. A frame is one redraw of the plane (the
regions, boundaries, arrows and rings); a 5 ms probe timer measures the event loop's
stalls as bench/ui_responsiveness.py does. Medians over the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _window import open_window, wait_for
from ui_responsiveness import Probe


def measure(app, view, hidden: int, speed: int, seconds: float) -> tuple[float, float, float]:
    """(frames a second, largest stall in ms, updates a second) over ``seconds`` of Run."""
    state = view.state
    state.set_settings(state.run.settings.but(hidden=hidden, lr=0.3))
    state.new_points("blobs", 1000, 4, 0.2, 0.2, 0)
    state.set_speed(speed)
    frames = []
    state.model_changed.connect(lambda: frames.append(time.perf_counter()))
    start_steps = state.model.steps
    with Probe() as probe:
        state.start()
        end = time.perf_counter() + seconds
        wait_for(app, lambda: time.perf_counter() >= end)
        state.pause()
    state.model_changed.disconnect()
    span = frames[-1] - frames[0]
    return ((len(frames) - 1) / span, float(probe.lags().max()),
            (state.model.steps - start_steps) / seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--speed", type=int, default=20, help="updates a frame")
    args = parser.parse_args()
    app, window = open_window()
    window.resize(1920, 1080)
    view = window.tabs.lab.playground
    window.tabs.show_playground()
    print(f"plane: {view.plane.width()}x{view.plane.height()} px, 1,000 points, "
          f"{args.speed} updates a frame")
    print("| model | frames/s | largest stall | updates/s |")
    print("|---|---|---|---|")
    for hidden, name in ((0, "softmax regression"), (16, "hidden layer of 16 (ReLU)")):
        rows = [measure(app, view, hidden, args.speed, args.seconds)
                for _ in range(args.repeats)]
        fps, stall, rate = (statistics.median(column) for column in zip(*rows))
        print(f"| {name} | {fps:.0f} | {stall:.1f} ms | {rate:,.0f} |")
    window.close()


if __name__ == "__main__":
    main()
