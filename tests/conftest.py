"""Shared fixtures: the real Fashion-MNIST (full and the bundled sample), isolation."""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import weakref

import pytest

# Never touch the network or the user's real cache from a test.
os.environ["SOFTMAX_GUI_OFFLINE"] = "1"
os.environ.setdefault("SOFTMAX_GUI_CACHE", tempfile.mkdtemp(prefix="softmax-gui-cache-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings and the runs folder go to throwaway places, never the user's.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="softmax-gui-config-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="softmax-gui-data-")
# The app sets how torch's OpenMP threads wait (softmax_gui/__init__.py: spinning threads
# on a busy machine made a 1 s run take 20-30 s); imported before any test imports torch.
import softmax_gui  # noqa: E402,F401

REQUIRE_FULL = os.environ.get("SOFTMAX_GUI_REQUIRE_FULL_DATA") == "1"


# End-to-end files that click nothing through person.py (a gallery of direct calls, a
# window in another process, a reading of the sources): free to run in either worker.
APART_FROM_THE_JOURNEYS = ("test_gallery.py", "test_real_window.py", "test_user_like.py")


def pytest_xdist_make_scheduler(config, log):
    """Under ``-n`` (pytest-xdist), each test file runs whole in one worker, and the
    end-to-end journeys all in one, one after another: the last of them
    (``e2e/test_zz_controls_coverage.py``) checks that together they used every control,
    which it can see only in its own process. (``--dist loadgroup`` would say this with
    a mark, but pytest-xdist 3.8 cannot rename items under pytest 9.)"""
    from xdist.scheduler import LoadScopeScheduling

    class JourneysTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            together = path.startswith("tests/e2e/") and path.rsplit("/", 1)[1] not in \
                APART_FROM_THE_JOURNEYS
            return "tests/e2e" if together else path

    return JourneysTogether(config, log)


@pytest.fixture(scope="session", autouse=True)
def _garbage_collected_on_the_gui_thread(qapp):
    """As the app does (softmax_gui/qt/state/tasks.py): a collection in a worker thread that
    reaches a Qt wrapper deadlocks with the GUI thread."""
    from softmax_gui.qt.state.tasks import collect_garbage_on_the_gui_thread

    collector = collect_garbage_on_the_gui_thread()
    yield collector
    gc.enable()


_finished_states: list = []  # the AppStates of the tests that have ended, disconnected
_frozen = False


@pytest.fixture(autouse=True)
def _closed_windows_freed(monkeypatch, _garbage_collected_on_the_gui_thread):
    """Free the windows (and sessions) of the tests that have ended.

    A closed window is a web of reference cycles (its views, plots, arrays, ~490
    parentless pyqtgraph menus, its session and ``AppState``), and automatic collection
    is off (softmax_gui/qt/state/tasks.py): left to the GUI-thread collector, closed
    windows piled up (when views still connected lambdas to the state, none was ever
    freed; tests/test_view_lifetime.py keeps that fixed), and every later palette
    change, menu and ``topLevelWidgets()`` walked them. A test's states are
    disconnected when it ends, and the cycles collected before the next test (when
    nothing holds the last window any more), on the GUI thread as the app's collector
    does. As the app does after start-up (``gc.freeze()``,
    softmax_gui/qt/app.py), the objects alive once torch is loaded are left out of
    collections, which then take milliseconds, not a tenth of a second.
    """
    global _frozen
    from PySide6.QtCore import QCoreApplication, QEvent

    from softmax_gui.app_state import AppState

    if _finished_states:
        _finished_states.clear()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()
    if not _frozen and "torch" in sys.modules:
        gc.collect()
        gc.freeze()
        _frozen = True
    made = []
    init = AppState.__init__

    def recorded(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(AppState, "__init__", recorded)
    yield
    for state in (ref() for ref in made):
        if state is not None:
            state.events.disconnect()
            _finished_states.append(True)


@pytest.fixture(scope="session", autouse=True)
def _shared_trainer_closed():
    """Windows train in the shared trainer process; ask it to exit after the session."""
    yield
    from softmax_gui import trainer_process

    trainer_process.shared().close()


@pytest.fixture(scope="session")
def trainer():
    """The tests' own trainer process (windows train in ``trainer_process.shared()``),
    spawned once for tests/test_trainer_process.py and tests/test_runner.py (spawning
    imports torch: seconds); closed, and gone, at the end."""
    from softmax_gui import trainer_process

    process = trainer_process.TrainerProcess()
    yield process
    process.close()
    assert not process.alive


@pytest.fixture(scope="session")
def fashion():
    """The full Fashion-MNIST from a local copy; fails in CI when missing, skips elsewhere."""
    from softmax_gui import data

    try:
        dataset = data.load("fashion-mnist", download=False, allow_sample=False)
    except data.DatasetError as exc:
        message = f"full Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): {exc}"
        if REQUIRE_FULL:
            pytest.fail(message)
        pytest.skip(message)
    assert len(dataset.train_labels) == 60000 and len(dataset.test_labels) == 10000
    return dataset


@pytest.fixture(scope="session")
def default_run(fashion):
    """The events of the README's run (``train --epochs 10 --seed 0``: ``TrainConfig()``'s
    defaults) on the full dataset, trained once for the tests that only read them."""
    from softmax_gui import training
    from softmax_gui.config import TrainConfig

    return tuple(training.train(TrainConfig(), fashion))


@pytest.fixture(scope="session")
def sample():
    """The stratified sample bundled with the app (always present)."""
    from softmax_gui import data
    from softmax_gui.datasets_registry import get_spec

    dataset = data.load("fashion-mnist", data_dir=get_spec("fashion-mnist").sample_dir)
    return dataset


@pytest.fixture
def cli_here(capsys):
    """``cli_here(*args)``: the same ``main()`` as ``python -m softmax_gui``, in this
    process (torch is already loaded here, so a command costs milliseconds instead of a
    two-second start-up); returns its exit status and output as ``subprocess.run`` would.
    Tests whose point is the process itself (its exit status, a real full disk) start one.
    """
    import subprocess

    from softmax_gui.cli import main

    def run(*args) -> subprocess.CompletedProcess:
        capsys.readouterr()  # only this command's output
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        out = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out.out, out.err)

    return run


@pytest.fixture
def settings(tmp_path):
    """An isolated QSettings file."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
