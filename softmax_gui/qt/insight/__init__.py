"""The Weights, Confusion, Calibration and Softmax tabs, and the timeline."""
