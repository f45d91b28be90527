"""Turn a drawing or an image file into the 28x28 input a dataset's model expects.

Each dataset was made by a fixed recipe, and a demo that feeds a model anything else
(off-centre, wrongly scaled, inverted) gets confident nonsense. We follow the recipes:

* Fashion-MNIST (Xiao et al. 2017, §2): trim to the item's bounding box, scale the
  longest edge to 28 pixels, centre geometrically; bright item on black.
* MNIST / KMNIST (LeCun et al.): fit the ink into a 20x20 box keeping the aspect ratio
  (anti-aliased), then centre by centre of mass in the 28x28 field.
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from softmax_gui.datasets_registry import get_spec

SIZE = 28
DIGIT_BOX = 20
# Pixels at or below this intensity (of 1.0) count as background when trimming; it
# ignores faint noise and JPEG ringing without cutting anti-aliased edges much.
INK_THRESHOLD = 0.05
# Below this much total ink (in pixels of full intensity) the input counts as empty.
MIN_INK = 2.0


def as_unit_float(image) -> np.ndarray:
    """A 2-D array as float32 in [0, 1]: uint8 is divided by 255, floats are clipped."""
    array = np.asarray(image)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(array, 0.0, 1.0)


def is_blank(image) -> bool:
    """True when there is next to no ink: such input is "nothing drawn", not a prediction."""
    x = as_unit_float(image)
    return float(x[x > INK_THRESHOLD].sum()) < MIN_INK


def to_model_input(image, dataset: str = "fashion-mnist") -> np.ndarray:
    """Preprocess ``image`` (dark background, bright ink, any size) for ``dataset``.

    Parameters
    ----------
    image : array-like, 2-D
        uint8 in [0, 255] or float in [0, 1].
    dataset : str
        Name in the dataset registry; selects the recipe.

    Returns
    -------
    np.ndarray
        float32 ``(28, 28)`` in [0, 1]. All zeros when the input is blank.
    """
    x = as_unit_float(image)
    if is_blank(x):
        return np.zeros((SIZE, SIZE), np.float32)
    rows = np.flatnonzero((x > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((x > INK_THRESHOLD).any(axis=0))
    crop = x[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if get_spec(dataset).convention == "fashion":
        return _fit_and_centre(crop, SIZE)
    return _digits(crop)


def _resize_longest(crop: np.ndarray, longest: int) -> np.ndarray:
    """Scale so the longest edge is ``longest`` px, anti-aliased (Lanczos, area-aware)."""
    h, w = crop.shape
    scale = longest / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # PIL's Lanczos widens its kernel when shrinking, so downscaling averages (no aliasing).
    resized = Image.fromarray(crop, mode="F").resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _fit_and_centre(crop: np.ndarray, longest: int) -> np.ndarray:
    item = _resize_longest(crop, longest)
    out = np.zeros((SIZE, SIZE), np.float32)
    top, left = (SIZE - item.shape[0]) // 2, (SIZE - item.shape[1]) // 2
    out[top : top + item.shape[0], left : left + item.shape[1]] = item
    return out


def _digits(crop: np.ndarray) -> np.ndarray:
    item = _resize_longest(crop, DIGIT_BOX)
    h, w = item.shape
    total = item.sum()
    cy = (item.sum(axis=1) @ np.arange(h)) / total
    cx = (item.sum(axis=0) @ np.arange(w)) / total
    # Place the centre of mass at the field's centre, keeping the item inside the field.
    top = int(np.clip(round((SIZE - 1) / 2 - cy), 0, SIZE - h))
    left = int(np.clip(round((SIZE - 1) / 2 - cx), 0, SIZE - w))
    out = np.zeros((SIZE, SIZE), np.float32)
    out[top : top + h, left : left + w] = item
    return out


def class_means(images: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Each class's average image: float32 ``(n_classes, 28, 28)`` in [0, 1].

    ``images`` is uint8 ``(N, 28, 28)``, ``labels`` int ``(N,)``; a class without
    images averages to black. One boolean selection per class (~25 ms for 60,000
    images): ``np.add.at`` over the whole set took ~1.7 s.
    """
    means = np.zeros((n_classes, *images.shape[1:]), np.float32)
    for k in range(n_classes):
        chosen = images[labels == k]
        if len(chosen):
            means[k] = chosen.mean(axis=0, dtype=np.float64) / 255.0
    return means


def guide_image(mean: np.ndarray, side: int) -> np.ndarray:
    """``mean`` (a 28x28 average image) as big as a drawing on a ``side`` x ``side``
    canvas must be to become it: float32 ``(side, side)`` in [0, 1], its brightest 1.

    The recipes trim a drawing and scale its longest edge to the frame (28 pixels, or
    the 20-pixel box of digits), so the mean is trimmed to where it has ink and its
    longest edge scaled to the whole canvas: a drawing that covers the guide becomes an
    input of the mean's size and place.
    """
    top = float(mean.max())
    if top <= 0:
        return np.zeros((side, side), np.float32)
    # A tenth of the peak: an average has faint tails (a few long items) that would
    # make the guide smaller than the typical item.
    ink = mean > 0.1 * top
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = mean[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] / top
    return fit_square(crop, side).astype(np.float32) / 255.0


def has_light_background(image) -> bool:
    """True when the border is mostly bright: a photo or scan of dark ink on paper."""
    return float(np.median(_border(as_unit_float(image)))) > 0.5


def _border(x: np.ndarray) -> np.ndarray:
    return np.concatenate([x[0], x[-1], x[:, 0], x[:, -1]])


class ImageError(ValueError):
    """An image file cannot be used; the message names the file and says why."""


# Opened with these decoders only: Pillow would otherwise hand an EPS or PostScript file
# (whatever its name) to Ghostscript, a program of its own.
RASTER_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")
# 8192x8192: a photo of any camera; decoding it takes ~200 MB. Checked from the header.
MAX_SIDE = 8192  # pixels a side: the largest image opened is MAX_SIDE x MAX_SIDE
MAX_PIXELS = MAX_SIDE * MAX_SIDE


def load_image_file(path: str | os.PathLike, invert: bool | None = None) -> np.ndarray:
    """Read an image file as float32 grayscale in [0, 1], bright ink on black.

    ``invert=None`` inverts automatically when the background is light; a background
    that is not black (a photo on grey) is brought to black. Transparent pixels are
    background, whatever their colour, and the opaque ones are the item.

    Raises
    ------
    ImageError
        With one line saying why, when the file cannot be used as an image.
    """
    path = Path(path)
    try:
        info = path.stat()
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror or exc}") from None
    name = path.name  # one way in every message: the file's name
    if not stat.S_ISREG(info.st_mode):  # a pipe would hang the reader, a folder fail
        raise ImageError(f"cannot read {name}: it is not a regular file")
    if info.st_size == 0:
        raise ImageError(f"cannot read {name}: it is empty (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=RASTER_FORMATS) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise ImageError(f"cannot read {name}: it is {width}x{height} pixels; "
                                     f"images open up to {MAX_SIDE}x{MAX_SIDE}")
                gray, alpha = _gray_and_alpha(img)
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"cannot read {name}: it is not a PNG, JPEG, BMP, GIF, TIFF or WebP "
                         "image") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        # Pillow's own guard fires while it reads the header, before the size is known.
        raise ImageError(f"cannot read {name}: it has more pixels than the "
                         f"{MAX_SIDE}x{MAX_SIDE} an image may have") from None
    except PermissionError:  # mode 000: not "damaged"
        raise ImageError(f"cannot read {name}: permission denied") from None
    except (OSError, SyntaxError):
        raise ImageError(f"cannot read {name}: the image is damaged or truncated") from None
    if alpha is not None:
        opaque = alpha > 0.5
        dark_item = bool(opaque.any()) and float(gray[opaque].mean()) < 0.5
        return (alpha * ((1.0 - gray) if dark_item else gray)).astype(np.float32)
    if invert or (invert is None and has_light_background(gray)):
        gray = 1.0 - gray
    if invert is None:
        background = float(np.median(_border(gray)))
        if background > 0.02:  # a grey background is not the dataset's black
            gray = np.clip((gray - background) / (1.0 - background), 0.0, 1.0)
    return gray.astype(np.float32)


def _gray_and_alpha(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Grayscale in [0, 1] and, for an image with any transparency, its alpha."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        # 16-bit (and integer) pixels: 65535 is white, not 255.
        return np.clip(np.asarray(img, dtype=np.float32) / 65535.0, 0.0, 1.0), None
    if img.mode == "F":
        values = np.nan_to_num(np.asarray(img, dtype=np.float32))
        top = float(values.max()) if values.size else 1.0
        return np.clip(values / (top if top > 1 else 1.0), 0.0, 1.0), None
    alpha = None
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = img.convert("RGBA")
        alpha = np.asarray(img.getchannel("A"), dtype=np.float32) / 255.0
        if float(alpha.min()) > 0.99:
            alpha = None  # an alpha channel with nothing transparent
    gray = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    return gray, alpha


def fit_square(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` (2-D, float in [0, 1]) scaled to fit a ``side`` x ``side`` black square,
    centred, its aspect ratio kept; uint8."""
    h, w = image.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    pixels = Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8), "L")
    fitted = np.asarray(pixels.resize(size, Image.Resampling.LANCZOS))
    out = np.zeros((side, side), np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = fitted
    return out
