"""The Draw dock: canvas, guide, temperature, the model input."""
