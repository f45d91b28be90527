"""Softmax Studio: train softmax regression on Fashion-MNIST and watch it learn."""

__version__ = "0.1.0"
