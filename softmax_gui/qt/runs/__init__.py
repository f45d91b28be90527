"""The Runs tab and weights files."""
