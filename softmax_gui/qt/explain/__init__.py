"""The Explain dock and the evidence drawn on an input."""
