"""The Curves tab: loss and accuracy as runs train."""
