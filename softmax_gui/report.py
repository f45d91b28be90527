"""A report to hand in (File > Save report…, the Runs tab, ``train --report``): one HTML
file with everything inline, that opens offline in any browser: the configuration and
environment, the curves, the final metrics, the per-class table, the confusion matrix,
the weight templates, the reliability diagram, the 20 most confident mistakes, the test
accuracy per epoch and the script that reproduces the run; for a sweep, its comparison.

No Qt and no network: pictures are inline SVG (``report_charts.py``) and PNG data URIs.
"""

from __future__ import annotations

import datetime
import html
import importlib.metadata
import math
import platform
from dataclasses import dataclass

import numpy as np

from softmax_gui import __version__
from softmax_gui.evaluation import calibration, confusion_matrix, per_class_metrics
from softmax_gui.model_registry import first_layer_templates, get_model
from softmax_gui.report_charts import diverging_uri, line_chart, png_uri, reliability_diagram

SECTIONS = ("summary", "configuration", "environment", "curves", "timeline", "metrics",
            "per-class", "confusion", "templates", "calibration", "mistakes", "script")
# What each setting is called in words (TrainConfig's field names are the CLI's).
SETTING_NAMES = {"lr": "learning rate", "batch_size": "batch size", "epochs": "epochs",
                 "weight_decay": "weight decay", "init_std": "initial weights' SD",
                 "standardize": "standardised inputs", "hidden": "hidden units"}
STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222;background:#fff}h1{font-size:1.5rem}h2{font-size:1.15rem;border-bottom:1px solid
#ccc;margin-top:2rem}table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{
border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th{background:#f3f3f3}td.l,th.l{
text-align:left}svg{width:100%;max-width:52rem;height:auto}svg text{font-size:12px;fill:#333}
.headline{font-size:1.1rem;background:#eef5fb;border-left:4px solid #0072B2;padding:.6rem
.8rem}svg .title{font-weight:bold}svg .grid{
stroke:#e4e4e4}svg .axes{stroke:#888}.cells{display:flex;flex-wrap:wrap;gap:.6rem}.cell{
text-align:center;font-size:.8rem;width:7.5rem}.cell img{image-rendering:pixelated}pre{
background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.8rem}"""


@dataclass
class RunReport:
    """What a run's report shows."""

    title: str
    config: dict
    epochs: list[dict]  # per epoch: epoch, train_loss, train_acc, test_loss, test_acc, ...
    model: str
    state: dict  # the final weights, as numpy arrays
    classes: tuple[str, ...]
    probabilities: np.ndarray  # (N, C) on the test set
    labels: np.ndarray  # (N,)
    images: np.ndarray  # (N, 28, 28) uint8, the test images as read
    dataset: str
    source: str  # where the dataset was read from
    device: str
    script: str = ""


def of_run(title: str, config: dict, epochs: list[dict], snapshot, probabilities,
           dataset, device: str, script: str = "") -> RunReport:
    """A run's report from its final :class:`~softmax_gui.events.WeightSnapshot`, its
    test-set probabilities and the loaded dataset (its test images and labels)."""
    return RunReport(title, config, epochs, snapshot.model, snapshot.state,
                     tuple(snapshot.classes), probabilities, np.asarray(dataset.test_labels),
                     np.asarray(dataset.test_images), dataset.name,
                     dataset.source.describe(), device, script)


def environment() -> list[tuple[str, str]]:
    """Versions and machine, as the report states them."""
    rows = [("Softmax Studio", __version__), ("Python", platform.python_version()),
            ("platform", platform.platform())]
    for package in ("torch", "numpy", "PySide6"):
        try:
            rows.append((package, importlib.metadata.version(package)))
        except importlib.metadata.PackageNotFoundError:
            pass
    rows.append(("written", datetime.datetime.now().isoformat(timespec="seconds")))
    return rows


NO_EPOCH = "<p>No whole epoch was trained.</p>"


def run_report(report: RunReport) -> str:
    """The whole report as one HTML document."""
    probabilities = np.asarray(report.probabilities, np.float64)
    labels = np.asarray(report.labels, int)
    predicted = probabilities.argmax(1)
    confidence = probabilities.max(1)
    k = len(report.classes)
    confusion = confusion_matrix(labels, predicted, k)
    per_class = per_class_metrics(confusion)
    reliability = calibration(confidence, predicted == labels)
    accuracy = float((predicted == labels).mean()) if len(labels) else 0.0
    column = {key: [row.get(key, float("nan")) for row in report.epochs]
              for key in ("epoch", "train_loss", "test_loss", "train_acc", "test_acc")}
    right = int((predicted == labels).sum())
    trained = f"{column['epoch'][-1]:g}" if report.epochs else "0"
    settings = [(SETTING_NAMES.get(name, name), value)
                for name, value in report.config.items()
                if name != "dataset" and (name != "hidden" or report.model == "mlp")]
    loss_chart = line_chart(
        [("train", column["epoch"], column["train_loss"], False),
         ("test", column["epoch"], column["test_loss"], True)],
        "epoch", "cross-entropy (nats)", "Loss") if report.epochs else NO_EPOCH
    accuracy_chart = line_chart(
        [("train", column["epoch"], column["train_acc"], False),
         ("test", column["epoch"], column["test_acc"], True)],
        "epoch", "accuracy", "Accuracy") if report.epochs else NO_EPOCH
    body = [
        _section("summary", "Summary", f'<p class="headline">Test accuracy <b>{accuracy:.2%}'
                 f"</b> ({right:,} of {len(labels):,} test images) after {trained} epochs "
                 f"of {html.escape(get_model(report.model).label)} on "
                 f"{html.escape(report.dataset)}; test loss {_nll(probabilities, labels):.4f}"
                 f"; calibration error {reliability['ece']:.4f}.</p>"),
        _section("configuration", "Configuration", _pairs(
            [("dataset", report.dataset), ("read from", report.source)] + settings)),
        _section("environment", "Environment", _pairs(
            [("device", report.device)] + environment())),
        _section("curves", "Loss per epoch", loss_chart + "<p>The mean cross-entropy, in "
                 f"nats (natural logarithms): ln {k} = {math.log(k):.2f} is a uniform "
                 f"guess over the {k} classes.</p>"),
        _section("timeline", "Accuracy per epoch", accuracy_chart),
        _section("metrics", "Final metrics", _pairs([
            ("test accuracy", f"{accuracy:.4f} ({right:,} of {len(labels):,})"),
            ("test loss", f"{_nll(probabilities, labels):.4f}"),
            ("expected calibration error (the gap between confidence and accuracy, "
             "averaged over 10 bins of confidence)", f"{reliability['ece']:.4f}"),
            ("epochs trained", trained)])),
        _section("per-class", "Per class", _per_class_table(report.classes, per_class)),
        _section("confusion", "Confusion matrix (rows: true, columns: predicted)",
                 _confusion_table(report.classes, confusion)),
        _section("templates", _templates_title(report.model),
                 _templates(report.model, report.state, report.classes)),
        _section("calibration", "Calibration", reliability_diagram(
            reliability["edges"], reliability["accuracy"], reliability["count"],
            reliability["ece"]) + "<p>Each bar: of the test images predicted with that "
            "confidence, the fraction right. On the dashed diagonal the probabilities "
            "are honest.</p>"),
        _section("mistakes", "The 20 most confident mistakes",
                 _mistakes(report, probabilities, labels, predicted, confidence)),
        _section("script", "The script that reproduces it",
                 f"<pre>{html.escape(report.script)}</pre>" if report.script else
                 "<p>These weights came from no run this app can write again.</p>"),
    ]
    return _document(report.title, body)


def sweep_report(title: str, rows: list[dict], varied: list[str], curves: list[tuple],
                 seconds: float) -> str:
    """A sweep's report: every run's figures in a table (best first), test accuracy
    against the first varied hyper-parameter and each run's test accuracy per epoch.

    ``rows``: one dict per run with the varied values, ``test_acc`` and ``train_loss``;
    ``curves``: ``(label, epochs, test_acc)`` per run.
    """
    ranked = sorted(rows, key=lambda r: -(r["test_acc"] if r["test_acc"] is not None else -1))
    head = "".join(f"<th>{html.escape(v)}</th>" for v in varied)
    table = ["<table><tr><th>rank</th>" + head + "<th>test acc</th><th>train loss</th></tr>"]
    for rank, row in enumerate(ranked, 1):
        acc = "exploded" if row["test_acc"] is None else f"{row['test_acc']:.4f}"
        table.append(f"<tr><td>{rank}</td>" + "".join(
            f"<td>{html.escape(str(row[v]))}</td>" for v in varied)
            + f"<td>{acc}</td><td>{row['train_loss']:.4f}</td></tr>")
    table.append("</table>")
    body = [_section("environment", "Environment", _pairs(environment())),
            _section("runs", f"{len(rows)} runs in {seconds:.1f} s, best first",
                     "".join(table))]
    if varied and all(isinstance(r[varied[0]], (int, float)) for r in rows):
        finished = sorted((r[varied[0]], r["test_acc"]) for r in rows if r["test_acc"])
        body.append(_section("against", f"Test accuracy against {varied[0]}", line_chart(
            [("test accuracy", [x for x, _ in finished], [y for _, y in finished], False)],
            varied[0], "test accuracy", f"Against {varied[0]}")))
    body.append(_section("curves", "Test accuracy per epoch", line_chart(
        [(label, xs, ys, False) for label, xs, ys in curves[:6]], "epoch", "test accuracy",
        "The first six runs" if len(curves) > 6 else "Every run")))
    return _document(title, body)


def _document(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>" + "".join(body) + "</body></html>")


def _section(key: str, title: str, content: str) -> str:
    return f'<section id="{key}"><h2>{html.escape(title)}</h2>{content}</section>'


def _pairs(rows) -> str:
    return "<table>" + "".join(f'<tr><th class="l">{html.escape(str(k))}</th><td class="l">'
                               f"{html.escape(str(v))}</td></tr>" for k, v in rows) + "</table>"


def _nll(probabilities: np.ndarray, labels: np.ndarray) -> float:
    if not len(labels):
        return float("nan")
    return float(-np.log(np.maximum(probabilities[np.arange(len(labels)), labels],
                                    1e-300)).mean())


def _per_class_table(classes, metrics) -> str:
    rows = ["<table><tr><th class=\"l\">class</th><th>precision</th><th>recall</th>"
            "<th>F1</th><th>support</th></tr>"]
    for i, name in enumerate(classes):
        rows.append(f'<tr><td class="l">{html.escape(name)}</td>'
                    f"<td>{metrics['precision'][i]:.3f}</td><td>{metrics['recall'][i]:.3f}"
                    f"</td><td>{metrics['f1'][i]:.3f}</td><td>{metrics['support'][i]}</td>"
                    "</tr>")
    return "".join(rows) + "</table>"


def _confusion_table(classes, confusion: np.ndarray) -> str:
    peak = max(int(confusion.max()), 1)
    rows = ["<table><tr><th></th>" + "".join(f"<th>{html.escape(c)}</th>" for c in classes)
            + "</tr>"]
    for i, name in enumerate(classes):
        cells = []
        for j, count in enumerate(confusion[i]):
            shade = 0.85 * count / peak
            color = f"rgba(0,114,178,{shade:.2f})" if i == j else f"rgba(213,94,0,{shade:.2f})"
            cells.append(f'<td style="background:{color}">{count}</td>')
        rows.append(f'<tr><th class="l">{html.escape(name)}</th>' + "".join(cells) + "</tr>")
    return "".join(rows) + "</table>"


def _templates_title(model: str) -> str:
    kind = get_model(model).templates
    return {"classes": "Weight templates: each class's row of W (red for, blue against)",
            "units": "The first hidden units' input weights",
            "filters": "The first convolution's filters"}[kind]


def _templates(model: str, state: dict, classes) -> str:
    templates = first_layer_templates(model, state)
    names = classes if get_model(model).templates == "classes" else \
        [f"unit {i}" for i in range(len(templates))]
    scale = 4 if templates.shape[-1] >= 28 else 16
    cells = [f'<div class="cell"><img alt="{html.escape(n)}" src="{diverging_uri(t, scale)}">'
             f"<br>{html.escape(n)}</div>" for t, n in zip(templates, names)]
    return f'<div class="cells">{"".join(cells)}</div>'


def _mistakes(report, probabilities, labels, predicted, confidence) -> str:
    wrong = np.flatnonzero(predicted != labels)
    worst = wrong[np.argsort(-confidence[wrong], kind="stable")][:20]
    if not len(worst):
        return "<p>No test image was misclassified.</p>"
    cells = []
    for i in worst:
        true, said = report.classes[labels[i]], report.classes[predicted[i]]
        cells.append(f'<div class="cell"><img alt="test image {i}" '
                     f'src="{png_uri(report.images[i], 3)}"><br>#{i}: {html.escape(said)} '
                     f"{probabilities[i, predicted[i]]:.1%}<br>true {html.escape(true)} "
                     f"{probabilities[i, labels[i]]:.1%}</div>")
    return ("<p>Under each test image (its index): the class the model said with the "
            "probability it gave it, then the true class with the probability it gave "
            f'that.</p><div class="cells">{"".join(cells)}</div>')
